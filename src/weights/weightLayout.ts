import type { FixedPointModel } from '../quantize/fixedPointModel.js'

/** Field bits one packed element of the weight commitment may use (p > 2^253, so 253 bits never wrap). */
export const PACKED_BITS = 253

/** The kinds of fixed-point layer that carry a weight set (model parameters a fine-tune changes). */
export type WeightedLayerKind = 'dense' | 'conv' | 'affine'

/** One contiguous run of committed values: one array of one layer. */
export type WeightSegment = {
  /** The layer's name and its index in `model.layers`. */
  layer: string
  layerIndex: number
  kind: WeightedLayerKind
  /** Which array of the layer: dense/conv `weight` then `bias`, affine `factor` then `offset`. */
  field: 'weight' | 'bias' | 'factor' | 'offset'
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
    const at = { layer: layer.name, layerIndex }
    const inputBits = 'inputs' in layer ? 0 : (bitsOf.get(layer.input) ?? model.bits)
    bitsOf.set(layer.output, layer.bits)
    const biasBits = (terms: number) =>
      Math.min(PACKED_BITS, Math.max((layer as { shift: number }).shift + layer.bits - 1, model.weightBits + inputBits - 2 + Math.ceil(Math.log2(terms))) + 2)
    if (layer.kind === 'dense' || layer.kind === 'conv') {
      add({ ...at, kind: layer.kind, field: 'weight', count: layer.weight.length, bits: model.weightBits })
      const terms = layer.kind === 'dense' ? layer.inFeatures : (layer.inShape[0] / layer.group) * layer.kernel[0] * layer.kernel[1]
      add({ ...at, kind: layer.kind, field: 'bias', count: layer.bias.length, bits: biasBits(terms) })
    } else if (layer.kind === 'affine') {
      add({ ...at, kind: layer.kind, field: 'factor', count: layer.factor.length, bits: model.weightBits })
      add({ ...at, kind: layer.kind, field: 'offset', count: layer.offset.length, bits: biasBits(1) })
    }
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
    const layer = model.layers[segment.layerIndex]! as Record<string, unknown>
    for (const v of layer[segment.field] as string[]) values.push(BigInt(v))
  }
  return values
}
