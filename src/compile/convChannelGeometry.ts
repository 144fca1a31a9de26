import type { FixedConvLayer } from '../quantize/fixedPointModel.js'

export type ConvChannelGeometry = {
  /** Input channels each output channel reads (one group's). */
  perIn: number
  /** Output channels per group. */
  perOut: number
  /** Values of one input channel (h × w). */
  inputChannelSize: number
  /** Values one output channel writes: its pooled size, else oh × ow. */
  channelSize: number
  /** Weights of one output channel (perIn × kh × kw). */
  weightsPerChannel: number
  /** The window parameters of `ConvChannel`/`ConvChannelCommitted`: perIn, h, w, kh, kw, strides, pads, oh, ow. */
  windowArgs: string
  /** The max-pool parameters of those templates (flag, kernel, stride, pads, output size), or the no-pool values. */
  poolArgs: string
}

/**
 * The shape of a conv layer as its per-output-channel circom components see
 * it; shared by the constant-weights and the committed-weights emitters so the
 * two circuits wire channels, groups and pools the same way.
 */
export function convChannelGeometry(layer: FixedConvLayer): ConvChannelGeometry {
  const [inC, h, w] = layer.inShape
  const [outC, oh, ow] = layer.convShape
  const [kh, kw] = layer.kernel
  const perIn = inC / layer.group
  const { pool } = layer
  return {
    perIn,
    perOut: outC / layer.group,
    inputChannelSize: h * w,
    channelSize: pool ? pool.outShape[1] * pool.outShape[2] : oh * ow,
    weightsPerChannel: perIn * kh * kw,
    windowArgs: `${perIn}, ${h}, ${w}, ${kh}, ${kw}, ${layer.stride.join(', ')}, ${layer.pads[0]}, ${layer.pads[1]}, ${oh}, ${ow}`,
    poolArgs: pool ? `1, ${pool.kernel.join(', ')}, ${pool.stride.join(', ')}, ${pool.pads[0]}, ${pool.pads[1]}, ${pool.outShape[1]}, ${pool.outShape[2]}` : '0, 1, 1, 1, 1, 0, 0, 1, 1',
  }
}
