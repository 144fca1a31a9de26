import { QuantizeError } from '../errors.js'
import type { FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { layerInputs, MAX_DECOMPOSITION_BITS } from './fixedPointModel.js'
import { layerKindOf } from '../layers/layerTable.js'

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
      if (b === undefined) fail(where, `reads tensor "${name}", which no earlier layer produces.`, 'The fixed-point model is inconsistent; recompile it.')
      return b!
    })
    const inputBits = inBits[0]!
    const sameAsInput = () => {
      if (layer.bits !== inputBits) {
        fail(where, `declares ${layer.bits}-bit values but passes on a ${inputBits}-bit input unchanged.`, 'The fixed-point model is inconsistent; recompile it.')
      }
    }
    const accumulator = (bound: bigint, what: string) => {
      if (bound > MAX_ACCUMULATOR) {
        fail(where, `${what} can reach ${bitLength(bound)} bits for inputs in range, beyond the ${bitLength(MAX_ACCUMULATOR)} bits a BN254 field element holds without wrapping.`,
          'The layer\'s weights are far too large for its inputs: check the model (weights of the order of 1e30 and more point to a broken export), or use fewer --bits.')
      }
    }
    switch (layer.kind) {
      case 'dense':
      case 'affine':
      case 'conv': {
        const n = layer.shift + layer.bits
        width(where, layer.kind === 'conv' && layer.pool ? n + 1 : n, layer.kind === 'conv' && layer.pool ? 'the fused max pool\'s comparison' : `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
        const widths = committedWidths?.get(layerIndex)
        accumulator(widths ? worstLinearBound(layer, inputBits, widths) : linearBound(layer, inputBits), widths ? 'its accumulator (any committed weight set)' : 'its accumulator')
        break
      }
      case 'relu':
        sameAsInput()
        width(where, layer.bits, 'the ReLU sign')
        break
      case 'maxpool':
        sameAsInput()
        width(where, layer.bits + 1, 'each comparison')
        break
      case 'clip': {
        sameAsInput()
        width(where, layer.bits + 1, 'each bound\'s comparison')
        for (const bound of [layer.min, layer.max]) {
          if (bound !== null && !fitsSigned(BigInt(bound), layer.bits)) fail(where, `bound ${bound} does not fit its ${layer.bits}-bit input.`, 'The fixed-point model is inconsistent; recompile it.')
        }
        break
      }
      case 'leakyrelu': {
        sameAsInput()
        width(where, layer.alphaShift + layer.bits, 'the negative branch\'s rescale')
        accumulator(abs(BigInt(layer.alpha)) << BigInt(layer.bits - 1), 'alpha · x')
        break
      }
      case 'pwl': {
        if (layer.inputBits !== inputBits) fail(where, `compares ${layer.inputBits}-bit values but its input is ${inputBits}-bit.`, 'The fixed-point model is inconsistent; recompile it.')
        width(where, layer.inputBits + 1, 'each hinge\'s comparison')
        width(where, layer.shift + layer.bits, `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
        for (const knot of layer.knots) {
          if (!fitsSigned(BigInt(knot), inputBits)) fail(where, `knot ${knot} does not fit its ${inputBits}-bit input.`, 'The fixed-point model is inconsistent; recompile it.')
        }
        // Each hinge max(0, x − knot) is below 2^inputBits.
        const hinges = layer.hinges.reduce((sum, h) => sum + abs(BigInt(h)), 0n) << BigInt(layer.inputBits)
        accumulator(abs(BigInt(layer.base)) + hinges, 'its hinge sum')
        break
      }
      case 'pad':
      case 'permute':
        sameAsInput()
        break
      case 'concat': {
        const widest = Math.max(...inBits.map((b, i) => b + layer.upshift[i]!))
        if (layer.bits !== widest) {
          fail(where, `declares ${layer.bits}-bit values, but its inputs shifted to the common scale are ${widest}-bit.`, 'The fixed-point model is inconsistent; recompile it.')
        }
        if (widest > MAX_DECOMPOSITION_BITS - 1) {
          fail(where, `joins tensors whose scales are 2^${Math.max(...layer.upshift)} apart: the result would be ${widest}-bit, more than a BN254 circuit can compare soundly (${MAX_DECOMPOSITION_BITS - 1}).`,
            'The branches have wildly different ranges (check their weights), or use fewer --bits.')
        }
        break
      }
      case 'binary':
      case 'matmul':
        layerKindOf(layer).checkWidths(layer, {
          where,
          inputBits: inBits,
          committedWidths: committedWidths?.get(layerIndex),
          fail: (message, details) => fail(where, message, details),
          decomposition: (n, what, details) => width(where, n, what, details),
          accumulator,
          sameAsInput,
        })
        break
      default:
        layer satisfies never
    }
    bitsOf.set(layer.output, layer.bits)
  }

  const outputBits = bitsOf.get(model.output.name)
  if (outputBits === undefined) fail('output', `no layer produces "${model.output.name}".`, 'The fixed-point model is inconsistent; recompile it.')
  if (outputBits !== model.output.bits) fail('output', `declared ${model.output.bits}-bit, produced ${outputBits}-bit.`, 'The fixed-point model is inconsistent; recompile it.')
  width('argmax', model.output.bits + 1, 'the argmax comparison')
}

/** max over outputs of |bias| + Σ |w| · 2^(inputBits − 1): the largest |acc| for inputs in their signed range. */
function linearBound(layer: Extract<FixedLayer, { kind: 'dense' | 'affine' | 'conv' }>, inputBits: number): bigint {
  const top = 1n << BigInt(inputBits - 1)
  const weights = layer.kind === 'affine' ? layer.factor : layer.weight
  const biases = layer.kind === 'affine' ? layer.offset : layer.bias
  const rows = biases.length
  const perRow = layer.kind === 'affine' ? 1 : weights.length / rows
  let worst = 0n
  for (let j = 0; j < rows; j++) {
    let sum = 0n
    for (let i = j * perRow; i < (j + 1) * perRow; i++) sum += abs(BigInt(weights[i]!))
    const bound = abs(BigInt(biases[j]!)) + sum * top
    if (bound > worst) worst = bound
  }
  return worst
}

/** The same bound for every weight set whose values fit the committed widths: each weight at −2^(w−1), each bias at −2^(b−1). */
function worstLinearBound(layer: Extract<FixedLayer, { kind: 'dense' | 'affine' | 'conv' }>, inputBits: number, { weights, biases }: { weights: number; biases: number }): bigint {
  const perRow = layer.kind === 'affine' ? 1 : layer.kind === 'dense' ? layer.inFeatures : layer.weight.length / layer.bias.length
  return (1n << BigInt(biases - 1)) + BigInt(perRow) * (1n << BigInt(weights - 1)) * (1n << BigInt(inputBits - 1))
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v
}

function fitsSigned(v: bigint, bits: number): boolean {
  const limit = 1n << BigInt(bits - 1)
  return v >= -limit && v < limit
}

function bitLength(v: bigint): number {
  return v.toString(2).length
}
