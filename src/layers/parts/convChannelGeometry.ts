import type { FixedConvLayer } from '../conv.js'

/** The window parameters of `ConvChannel`/`ConvChannelCommitted`. */
export type ConvWindowParameters = { C: number; H: number; W: number; KH: number; KW: number; SH: number; SW: number; PT: number; PL: number; OH: number; OW: number }
/** The fused max-pool parameters of those templates (PK = 0: no pool, the rest unused but valid). */
export type ConvPoolParameters = { PK: 0 | 1; PKH: number; PKW: number; PSH: number; PSW: number; PPT: number; PPL: number; POH: number; POW: number }

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
  window: ConvWindowParameters
  pool: ConvPoolParameters
}

const NO_POOL: ConvPoolParameters = { PK: 0, PKH: 1, PKW: 1, PSH: 1, PSW: 1, PPT: 0, PPL: 0, POH: 1, POW: 1 }

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
    window: { C: perIn, H: h, W: w, KH: kh, KW: kw, SH: layer.stride[0], SW: layer.stride[1], PT: layer.pads[0], PL: layer.pads[1], OH: oh, OW: ow },
    pool: pool
      ? { PK: 1, PKH: pool.kernel[0], PKW: pool.kernel[1], PSH: pool.stride[0], PSW: pool.stride[1], PPT: pool.pads[0], PPL: pool.pads[1], POH: pool.outShape[1], POW: pool.outShape[2] }
      : NO_POOL,
  }
}
