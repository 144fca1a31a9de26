import { QuantizeError } from '../errors.js'
import type { ModelIR } from '../model/ir.js'
import { opInputs, shapeSize } from '../model/ir.js'

/**
 * How the model input is scaled: `uniform` (one scale for every value),
 * `per-feature` (each feature, or each channel of an image read by a
 * convolution, at the finest scale its own calibrated range allows) or
 * `auto` (per-feature only for the features whose range is at least
 * 2^{@link PER_FEATURE_GAP} times narrower than the widest, which would
 * otherwise keep a handful of bits or round to zero; the rest share the
 * uniform scale, which is the safer choice for values the calibration set may
 * under-sample, such as image pixels).
 */
export type InputScaling = 'uniform' | 'per-feature' | 'auto'

/** In `auto`, a feature gets its own scale when it would be this many bits finer than the uniform one. */
export const PER_FEATURE_GAP = 8

export type ChooseInputScalesParameters = {
  calibration: readonly (readonly number[])[]
  bits: number
  headroomBits: number
  maxScale: number
  /** The scale of the input as one tensor (from its calibrated max |x|). */
  uniformScale: number
  mode?: InputScaling
}

export type ChooseInputScalesReturnType = {
  /** The coarsest input scale (the model input's `scale`). */
  scale: number
  /** One scale per input value, when they differ; undefined when every value is at `scale`. */
  featureScales?: number[]
  /** Why the input stayed uniform under `auto` or was split, for the log. */
  reason: string
}

/**
 * Chooses the model input's scales. Per-feature scales are only possible when
 * every op reading the input is linear (dense, conv, affine): their weights
 * absorb each feature's factor (see quantizeLinearWeights), so the circuit's
 * input stays one integer per value and the circuit and the integer evaluator
 * agree exactly. A convolution's weights are shared across positions, so a
 * conv input gets one scale per channel.
 *
 * @throws {QuantizeError} when `per-feature` is asked for a model whose input feeds a non-linear op.
 */
export function chooseInputScales(ir: ModelIR, { calibration, bits, headroomBits, maxScale, uniformScale, mode = 'auto' }: ChooseInputScalesParameters): ChooseInputScalesReturnType {
  if (mode === 'uniform') return { scale: uniformScale, reason: 'uniform input scale (--input-scaling uniform)' }
  const readers = ir.ops.filter((op) => opInputs(op).includes(ir.input.name))
  const other = readers.find((op) => op.kind !== 'dense' && op.kind !== 'conv' && op.kind !== 'affine')
  if (other || readers.length === 0) {
    if (mode === 'per-feature') {
      throw new QuantizeError(`Per-feature input scales need the input to be read only by dense, conv or affine layers; "${other?.name ?? ir.input.name}" (${other?.kind ?? 'the output'}) reads it.`, {
        details: 'Use --input-scaling uniform (or auto), or standardize the input in the model before that op.',
      })
    }
    return { scale: uniformScale, reason: `uniform input scale (the input feeds ${other ? `a ${other.kind}` : 'no layer'}, which cannot absorb per-feature scales)` }
  }

  const size = shapeSize(ir.input.shape)
  const conv = readers.find((op) => op.kind === 'conv')
  // A conv's weights are shared across positions: one scale per input channel.
  const groupSize = conv?.kind === 'conv' ? conv.inShape[1] * conv.inShape[2] : 1
  const groups = size / groupSize
  const maxAbs = new Array<number>(groups).fill(0)
  for (const sample of calibration) {
    for (let i = 0; i < size; i++) {
      const g = Math.floor(i / groupSize)
      maxAbs[g] = Math.max(maxAbs[g]!, Math.abs(sample[i]!))
    }
  }
  const largest = 2 ** (bits - 1) - 1
  const own = maxAbs.map((m) => (m > 0 ? Math.min(maxScale, Math.floor(Math.log2(largest / (m * 2 ** headroomBits)))) : uniformScale))
  const chosen = own.map((s) => (mode === 'per-feature' || s - uniformScale >= PER_FEATURE_GAP ? Math.max(s, uniformScale) : uniformScale))
  const split = chosen.filter((s) => s !== uniformScale).length
  if (split === 0) {
    return { scale: uniformScale, reason: `uniform input scale 2^${uniformScale} (no feature's range is ${2 ** PER_FEATURE_GAP}× narrower than the widest)` }
  }
  const featureScales = Array.from({ length: size }, (_, i) => chosen[Math.floor(i / groupSize)]!)
  const unit = groupSize > 1 ? 'channel' : 'feature'
  return {
    scale: Math.min(...chosen),
    featureScales,
    reason: `per-${unit} input scales: ${split} of ${groups} ${unit}s finer than the shared 2^${uniformScale} (up to 2^${Math.max(...chosen)}), folded into the first layer's weights`,
  }
}
