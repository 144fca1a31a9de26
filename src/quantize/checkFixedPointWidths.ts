import { QuantizeError } from '../errors.js'
import { layerKindOf } from '../layers/layerTable.js'
import { INCONSISTENT } from '../layers/parts/widthBounds.js'
import type { FixedPointModel } from './fixedPointModel.js'
import { layerInputs, MAX_DECOMPOSITION_BITS } from './fixedPointModel.js'

/**
 * The largest |accumulator| a template may decompose: with it, every value a
 * decomposition sees (|acc| + 2^(n−1) ≤ 2^252) stays below p − 2^252 (p ≈
 * 2^253.6, the BN254 scalar field), so `Σ bits·2^t ≡ acc + 2^(n−1) (mod p)`
 * has exactly one solution with the bits boolean: the integer one. A wider
 * value could wrap the field and free the sign bit.
 */
export const MAX_ACCUMULATOR = 1n << 251n

/**
 * Checks that the circuit of a fixed-point model can be sound: every bit
 * decomposition its templates make (rescales, range checks, ReLU signs,
 * comparisons of max pool, clip, leaky ReLU, hinges, argmax) is at most
 * {@link MAX_DECOMPOSITION_BITS} wide, every accumulator stays within
 * {@link MAX_ACCUMULATOR} for every input in range, and every tensor's `bits`
 * is what its producer actually guarantees (a consumer's comparisons rely on
 * it). At 254 bits and more circom's `1 << b` wraps to 0 and a prover would
 * choose every clip, hinge and max branch; this is the refusal that prevents
 * such a circuit from being emitted at all.
 *
 * Pure; runs in time linear in the number of weights.
 *
 * @param options.committedWidths For a committed-weights circuit, where the
 *   weights are private signals any weight set may fill: the signed width a
 *   layer's weights (`weight`/`factor`) and biases (`bias`/`offset`) are
 *   range-checked to, by layer index. The accumulator bound then assumes the
 *   worst value of those widths instead of this model's weights.
 * @throws {QuantizeError} naming the first layer that does not fit, the width it needs and what to do.
 */
export function checkFixedPointWidths(model: FixedPointModel, { committedWidths }: { committedWidths?: ReadonlyMap<number, { weights: number; biases: number }> } = {}): void {
  const bitsOf = new Map<string, number>([[model.input.name, model.input.bits]])
  const fail = (where: string, message: string, details: string): never => {
    throw new QuantizeError(`${where}: ${message}`, { details })
  }
  const fewerBits = 'Use fewer --bits or --weight-bits.'
  const width = (where: string, n: number, what: string, details = fewerBits) => {
    if (n > MAX_DECOMPOSITION_BITS) fail(where, `${what} needs a ${n}-bit decomposition; a BN254 circuit decomposes at most ${MAX_DECOMPOSITION_BITS} bits soundly.`, details)
  }
  width('input', model.input.bits, 'the input range check')

  for (const [layerIndex, layer] of model.layers.entries()) {
    const where = `layer "${layer.name}" (${layer.kind})`
    const inBits = layerInputs(layer).map((name) => {
      const b = bitsOf.get(name)
      if (b === undefined) fail(where, `reads tensor "${name}", which no earlier layer produces.`, INCONSISTENT)
      return b!
    })
    const kind = layerKindOf(layer)
    kind.checkWidths(layer, {
      where,
      inputBits: inBits,
      committedWidths: committedWidths?.get(layerIndex),
      fail: (message, details) => fail(where, message, details),
      decomposition: (n, what, details) => width(where, n, what, details),
      accumulator(bound, what) {
        if (bound > MAX_ACCUMULATOR) {
          fail(where, `${what} can reach ${bitLength(bound)} bits for inputs in range, beyond the ${bitLength(MAX_ACCUMULATOR)} bits a BN254 field element holds without wrapping.`,
            'The layer\'s weights are far too large for its inputs: check the model (weights of the order of 1e30 and more point to a broken export), or use fewer --bits.')
        }
      },
      sameAsInput() {
        if (layer.bits !== inBits[0]) fail(where, `declares ${layer.bits}-bit values but passes on a ${inBits[0]}-bit input unchanged.`, INCONSISTENT)
      },
    })
    bitsOf.set(layer.output, layer.bits)
  }

  const outputBits = bitsOf.get(model.output.name)
  if (outputBits === undefined) fail('output', `no layer produces "${model.output.name}".`, INCONSISTENT)
  if (outputBits !== model.output.bits) fail('output', `declared ${model.output.bits}-bit, produced ${outputBits}-bit.`, INCONSISTENT)
  width('argmax', model.output.bits + 1, 'the argmax comparison')
}

function bitLength(v: bigint): number {
  return v.toString(2).length
}
