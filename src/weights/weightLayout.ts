import type { WeightField } from '../layers/layerKind.js'
import type { LayerKindName } from '../layers/layerTable.js'
import { fieldOf, weightArraysOf } from '../layers/weightFields.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerInputs } from '../quantize/fixedPointModel.js'

/** Field bits one packed element of the weight commitment may use (p > 2^253, so 253 bits never wrap). */
export const PACKED_BITS = 253

/** The kinds of fixed-point layer that carry a weight set (model parameters a fine-tune changes): those whose kind has `weights`. */
export type WeightedLayerKind = LayerKindName

/** One contiguous run of committed values: one array of one layer. */
export type WeightSegment = {
  /** The layer's name and its index in `model.layers`. */
  layer: string
  layerIndex: number
  kind: WeightedLayerKind
  /** Which array of the layer: its kind's multiplier then its addend (dense/conv `weight` then `bias`, affine `factor` then `offset`). */
  field: WeightField
  /** Index of the segment's first value in the flat `weights` signal array. */
  start: number
  count: number
  /** Every value is a signed integer of this many bits: −2^(bits−1) ≤ v < 2^(bits−1). */
  bits: number
}

export type WeightLayout = {
  segments: WeightSegment[]
  /** Number of committed values (the length of the circuit's `weights` input). */
  values: number
  /** Number of packed field elements the commitment hashes. */
  elements: number
}

/**
 * Which values make a model's weight set, in commitment order, and the bit
 * width each is range-checked to. The layout is a function of the
 * architecture only (layer kinds, shapes, shifts, bit widths), never of the
 * weight values, so every weight set of an architecture has the same one:
 * that is what lets one circuit serve all of them.
 *
 * Widths: weights and affine factors are quantized into `weightBits` signed
 * bits. A bias (or affine offset) b is added to Σ w·x, and the sum must fit
 * the rescale's shift + bits signed bits; with |w| ≤ 2^(wb−1), |x| ≤ 2^(bin−1)
 * and n terms, |b| < 2^(shift+bits−1) + n·2^(wb+bin−2). A bias outside that
 * can never give a valid proof, so its width is the bound's:
 * max(shift + bits − 1, wb + bin − 2 + ⌈log2 n⌉) + 2 bits (at most 253). Every
 * bias of a model that evaluates its calibration set fits, so constant builds
 * can always record the commitment in this format.
 *
 * Piecewise-linear activation constants, clip bounds and leaky-ReLU slopes
 * are not weights: they follow from the activation function and the scales,
 * so they stay constants of the circuit (part of the architecture).
 */
export function weightLayout(model: FixedPointModel): WeightLayout {
  const segments: WeightSegment[] = []
  let start = 0
  const add = (segment: Omit<WeightSegment, 'start'>) => {
    if (segment.count === 0) return
    segments.push({ ...segment, start })
    start += segment.count
  }
  const bitsOf = new Map<string, number>([[model.input.name, model.input.bits]])
  model.layers.forEach((layer, layerIndex) => {
    const inputs = layerInputs(layer)
    const inputBits = inputs.length === 1 ? (bitsOf.get(inputs[0]!) ?? model.bits) : 0
    bitsOf.set(layer.output, layer.bits)
    const weights = weightArraysOf(layer)
    if (!weights) return
    const { spec } = weights
    const at = { layer: layer.name, layerIndex, kind: layer.kind }
    const terms = spec.termsPerAddend(layer)
    const addendBits = Math.min(PACKED_BITS, Math.max(spec.shift(layer) + layer.bits - 1, model.weightBits + inputBits - 2 + Math.ceil(Math.log2(terms))) + 2)
    add({ ...at, field: spec.multiplier, count: weights.multiplier.length, bits: model.weightBits })
    add({ ...at, field: spec.addend, count: weights.addend.length, bits: addendBits })
  })
  return { segments, values: start, elements: packedElements(segments) }
}

/** How many 253-bit elements the packing of these segments fills (a value never straddles two elements). */
export function packedElements(segments: readonly Pick<WeightSegment, 'count' | 'bits'>[]): number {
  let elements = 0
  let used = PACKED_BITS
  for (const { count, bits } of segments) {
    for (let i = 0; i < count; i++) {
      if (used + bits > PACKED_BITS) {
        elements++
        used = 0
      }
      used += bits
    }
  }
  return elements
}

/** The committed values of a model, flat, in {@link weightLayout} order (the circuit's `weights` input). */
export function weightValues(model: FixedPointModel): bigint[] {
  const values: bigint[] = []
  for (const segment of weightLayout(model).segments) {
    for (const v of fieldOf(model.layers[segment.layerIndex]!, segment.field)) values.push(BigInt(v))
  }
  return values
}
