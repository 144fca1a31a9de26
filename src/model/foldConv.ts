/**
 * The fold pass's conv rules (see {@link foldAffine}): BatchNorm-like affines
 * into a conv's filters, and zero Pads into its windows. Each returns the
 * merged op (input/output still to be set by the caller), or `undefined`
 * when the pair does not fold exactly.
 */
import type { AffineOp, ConvOp, PadOp } from './ir.js'

/** conv → affine, when the affine is one (a, c) per output channel. */
export function convThenAffine(conv: ConvOp, affine: AffineOp): ConvOp | undefined {
  const [outChannels, outH, outW] = conv.outShape
  const a = perChannel(affine.scale, outChannels, outH * outW)
  const c = perChannel(affine.shift, outChannels, outH * outW)
  if (!a || !c) return undefined
  const perFilter = conv.weight.length / outChannels
  const weight = conv.weight.map((w, i) => w * a[Math.floor(i / perFilter)]!)
  const bias = conv.bias.map((b, m) => a[m]! * b + c[m]!)
  return { ...conv, weight, bias }
}

/**
 * affine → conv, when the affine is one (a, c) per input channel and either
 * the conv reads no padding or c is 0 (a padded zero is not shifted by c).
 */
export function affineThenConv(affine: AffineOp, conv: ConvOp): ConvOp | undefined {
  const [channels, height, width] = conv.inShape
  const a = perChannel(affine.scale, channels, height * width)
  const c = perChannel(affine.shift, channels, height * width)
  if (!a || !c) return undefined
  if (conv.pads.some((p) => p > 0) && c.some((v) => v !== 0)) return undefined
  const outChannels = conv.outShape[0]
  const inPerGroup = channels / conv.group
  const outPerGroup = outChannels / conv.group
  const taps = conv.kernel[0] * conv.kernel[1]
  const weight = new Float64Array(conv.weight.length)
  const bias = conv.bias.slice()
  for (let m = 0; m < outChannels; m++) {
    const firstChannel = Math.floor(m / outPerGroup) * inPerGroup
    for (let ci = 0; ci < inPerGroup; ci++) {
      const channel = firstChannel + ci
      for (let t = 0; t < taps; t++) {
        const index = (m * inPerGroup + ci) * taps + t
        const w = conv.weight[index]!
        weight[index] = w * a[channel]!
        bias[m] = bias[m]! + w * c[channel]!
      }
    }
  }
  return { ...conv, weight, bias }
}

/** pad → conv: the conv pads the pad's input by the sum of both paddings. */
export function padThenConv(pad: PadOp, conv: ConvOp): ConvOp | undefined {
  if (!sameShape(pad.outShape, conv.inShape)) return undefined
  return { ...conv, inShape: pad.inShape, pads: addPads(pad.pads, conv.pads) }
}

export function padThenPad(first: PadOp, second: PadOp): PadOp | undefined {
  if (!sameShape(first.outShape, second.inShape)) return undefined
  return { ...second, name: `${first.name}+${second.name}`, inShape: first.inShape, pads: addPads(first.pads, second.pads) }
}

/** The per-channel value of a [channels][plane] tensor, if it is constant within each channel. */
function perChannel(values: Float64Array, channels: number, plane: number): Float64Array | undefined {
  if (values.length !== channels * plane) return undefined
  const out = new Float64Array(channels)
  for (let c = 0; c < channels; c++) {
    const v = values[c * plane]!
    for (let p = 1; p < plane; p++) if (values[c * plane + p] !== v) return undefined
    out[c] = v
  }
  return out
}

function addPads(a: readonly number[], b: readonly number[]): [number, number, number, number] {
  return [a[0]! + b[0]!, a[1]! + b[1]!, a[2]! + b[2]!, a[3]! + b[3]!]
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}
