/**
 * Shapes and sliding-window geometry shared by Conv and the pools: the
 * image layout ([1, C, H, W] → Chw) and the ONNX attributes kernel_shape,
 * strides, pads, auto_pad, dilations and ceil_mode, resolved exactly as
 * onnxruntime resolves them.
 */
import type { Chw, Pads2d } from './ir.js'
import { formatShape, type LoweringContext, type Value } from './lowering.js'
import { shapeOf } from './lowerViews.js'

/** [C, H, W] of an image tensor [1, C, H, W]; anything else fails naming the node. */
export function imageShape(ctx: LoweringContext, x: Value): Chw {
  const shape = shapeOf(x)
  if (shape.length !== 4) {
    ctx.fail(`its input ${formatShape(shape)} is not an image [N, C, H, W]; glassbox supports 2-D ${ctx.opType} only.`, 'Export 1-D or 3-D models with 2-D layers (e.g. Conv2d on [N, C, 1, L]).')
  }
  const [n, c, h, w] = shape as [number, number, number, number]
  if (n !== 1) ctx.fail(`its input ${formatShape(shape)} has batch size ${n}; glassbox computes batch size 1.`, 'Export the model with batch size 1 (or a dynamic batch dim).')
  return [c, h, w]
}

export type WindowGeometry = {
  kernel: readonly [number, number]
  stride: readonly [number, number]
  /** The padding ONNX describes (after auto_pad), [top, left, bottom, right]. */
  pads: Pads2d
  /**
   * `pads` with bottom/right enlarged so that the ceil_mode windows that run
   * off the end fit: the pads of the IR op (the extra positions read zeros,
   * or are never selected by maxpool).
   */
  windowPads: Pads2d
  /** [outH, outW]. */
  out: readonly [number, number]
}

export type ReadWindowOptions = {
  /** Honour `ceil_mode` (pools); Conv has none. */
  ceilMode?: boolean
  /** Pools: every pad must be smaller than the kernel (onnxruntime enforces it). */
  padsBelowKernel?: boolean
}

/**
 * Resolves a node's window attributes against an input of spatial size
 * [H, W] and a kernel [kh, kw].
 *
 * Output size per axis: ⌊(in + begin + end − k)/s⌋ + 1, or with ceil_mode
 * ⌈…⌉ + 1 minus one when the last window would start in the end padding
 * (onnxruntime's and PyTorch's rule). auto_pad SAME_UPPER/SAME_LOWER pads to
 * ⌈in/s⌉ outputs, the odd pixel at the end (UPPER) or the beginning (LOWER).
 */
export function readWindow(ctx: LoweringContext, [height, width]: readonly [number, number], kernel: readonly [number, number], { ceilMode = false, padsBelowKernel = false }: ReadWindowOptions = {}): WindowGeometry {
  const dilations = ctx.attrInts('dilations')
  if (dilations && dilations.some((d) => d !== 1)) {
    ctx.fail(`it has dilations ${formatShape(dilations)}; glassbox supports dilation 1 only.`, 'Re-export the model without dilated (atrous) convolutions or pools.')
  }
  const stride = pair(ctx, 'strides', ctx.attrInts('strides') ?? [1, 1])
  if (stride.some((s) => s < 1)) ctx.fail(`its strides ${formatShape(stride)} are not positive.`)
  const autoPad = ctx.attrString('auto_pad', 'NOTSET')
  const sizes = [height, width] as const
  let pads: [number, number, number, number]
  switch (autoPad) {
    case 'NOTSET': {
      const raw = ctx.attrInts('pads') ?? [0, 0, 0, 0]
      if (raw.length !== 4) ctx.fail(`its pads ${formatShape(raw)} are not [top, left, bottom, right].`)
      pads = raw as [number, number, number, number]
      break
    }
    case 'VALID':
      pads = [0, 0, 0, 0]
      break
    case 'SAME_UPPER':
    case 'SAME_LOWER': {
      const [[tb, te], [lb, le]] = ([0, 1] as const).map((a) => {
        const out = Math.ceil(sizes[a] / stride[a])
        const total = Math.max(0, (out - 1) * stride[a] + kernel[a] - sizes[a])
        const begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2)
        return [begin, total - begin]
      }) as [[number, number], [number, number]]
      pads = [tb, lb, te, le]
      break
    }
    default:
      ctx.fail(`its auto_pad "${autoPad}" is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.`)
  }
  if (pads.some((p) => p < 0)) ctx.fail(`its pads ${formatShape(pads)} are negative.`)
  if (padsBelowKernel && pads.some((p, i) => p >= kernel[i % 2]!)) {
    ctx.fail(`its pads ${formatShape(pads)} are not smaller than its kernel ${formatShape(kernel)} (windows would lie entirely in the padding).`, 'The model is invalid for onnxruntime; re-export it.')
  }
  // SAME_* pads already give ⌈in/s⌉ outputs; NOTSET and VALID honour ceil_mode.
  const useCeil = ceilMode && ctx.attrInt('ceil_mode', 0) !== 0 && !autoPad.startsWith('SAME')
  const out = ([0, 1] as const).map((a) => {
    const begin = pads[a]
    const span = sizes[a] + begin + pads[a + 2]! - kernel[a]
    if (span < 0) ctx.fail(`its kernel ${formatShape(kernel)} is larger than its padded input [${height + pads[0] + pads[2]}, ${width + pads[1] + pads[3]}].`)
    if (!useCeil) return Math.floor(span / stride[a]) + 1
    const size = Math.ceil(span / stride[a]) + 1
    return (size - 1) * stride[a] >= sizes[a] + begin ? size - 1 : size
  }) as [number, number]
  const windowPads: Pads2d = [pads[0], pads[1], ...([0, 1] as const).map((a) => Math.max(pads[a + 2]!, (out[a] - 1) * stride[a] + kernel[a] - sizes[a] - pads[a]))] as [number, number, number, number]
  return { kernel, stride, pads, windowPads, out }
}

/** A two-value spatial attribute (kernel_shape, strides). */
export function pair(ctx: LoweringContext, name: string, values: readonly number[]): readonly [number, number] {
  if (values.length !== 2) ctx.fail(`its ${name} ${formatShape(values)} has ${values.length} values; glassbox supports 2-D ${ctx.opType} only.`)
  return [values[0]!, values[1]!]
}
