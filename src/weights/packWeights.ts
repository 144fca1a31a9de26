import { WeightSetError } from '../errors.js'
import type { WeightLayout } from './weightLayout.js'
import { PACKED_BITS } from './weightLayout.js'

/**
 * Packs committed values into field elements exactly as the circuit's
 * `WeightCommitment` template does: each value v of width w becomes
 * v + 2^(w−1) in [0, 2^w), and values are laid side by side, lowest first,
 * into 253-bit elements (a value that would cross the 253-bit boundary starts
 * the next element). Because every offset value is range-checked in the
 * circuit and an element holds at most 253 < log2(p) bits, the packing is an
 * injective map from weight sets to elements: two weight sets with the same
 * commitment would be a Poseidon collision.
 *
 * @throws {WeightSetError} naming the layer and index of a value outside its width.
 */
export function packWeights(values: readonly bigint[], layout: WeightLayout): bigint[] {
  if (values.length !== layout.values) {
    throw new WeightSetError(`The weight set has ${values.length} values, the architecture takes ${layout.values}.`)
  }
  const packed: bigint[] = []
  let element = 0n
  let used = 0
  for (const segment of layout.segments) {
    const half = 1n << BigInt(segment.bits - 1)
    for (let i = 0; i < segment.count; i++) {
      const v = values[segment.start + i]!
      if (v < -half || v >= half) {
        throw new WeightSetError(`${segment.field}[${i}] of layer "${segment.layer}" is ${v}, outside its ${segment.bits}-bit signed range.`, {
          details: `A ${segment.kind} layer's ${segment.field} values must lie in [${-half}, ${half - 1n}] for this architecture. Quantize the weights at the build's scales (\`glassbox weights\`), or compile a new architecture with more --weight-bits.`,
        })
      }
      if (used + segment.bits > PACKED_BITS) {
        packed.push(element)
        element = 0n
        used = 0
      }
      element += (v + half) << BigInt(used)
      used += segment.bits
    }
  }
  if (layout.values > 0) packed.push(element)
  return packed
}
