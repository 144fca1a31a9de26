/**
 * Pools. MaxPool / GlobalMaxPool → `maxpool`. AveragePool / GlobalAveragePool
 * → a depthwise `conv` (group = C): weights 1/d when every window has the
 * same divisor d, otherwise weights 1 (a sum pool) followed by an `affine`
 * whose scale is 1/d per output position. The divisors follow onnxruntime:
 * with count_include_pad=1 a window counts its positions inside the padded
 * input (clipped at the end padding, which matters for ceil_mode windows
 * that run off the end); with count_include_pad=0 only real pixels count. A
 * Pad node before an AveragePool is real data to the pool (its zeros count),
 * so the fold pass can later move it into the conv's padding unchanged.
 */
import type { Chw } from './ir.js'
import { imageShape, pair, readWindow, type WindowGeometry } from './imageWindow.js'
import { formatShape, type LoweringContext } from './lowering.js'

export function lowerMaxPool(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const inShape = imageShape(ctx, x)
  if (ctx.attrInt('storage_order', 0) !== 0) ctx.fail('it has storage_order 1 (column-major indices); glassbox supports storage_order 0 only.')
  ctx.setUnavailable(1, 'the Indices output of a MaxPool, which glassbox does not compute (only the pooled values).')
  const kernel = readKernel(ctx)
  const window = readWindow(ctx, [inShape[1], inShape[2]], kernel, { ceilMode: true, padsBelowKernel: true })
  const outShape = [inShape[0], window.out[0], window.out[1]] as const
  ctx.apply(x, { kind: 'maxpool', inShape, outShape, kernel, stride: window.stride, pads: window.windowPads }, [1, ...outShape])
}

export function lowerGlobalMaxPool(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const inShape = imageShape(ctx, x)
  const kernel = [inShape[1], inShape[2]] as const
  const outShape = [inShape[0], 1, 1] as const
  ctx.apply(x, { kind: 'maxpool', inShape, outShape, kernel, stride: [1, 1], pads: [0, 0, 0, 0] }, [1, ...outShape])
}

export function lowerAveragePool(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const inShape = imageShape(ctx, x)
  const kernel = readKernel(ctx)
  const window = readWindow(ctx, [inShape[1], inShape[2]], kernel, { ceilMode: true, padsBelowKernel: true })
  const countPads = ctx.attrInt('count_include_pad', 0) !== 0
  averagePool(ctx, inShape, window, divisors(inShape, window, countPads))
}

export function lowerGlobalAveragePool(ctx: LoweringContext): void {
  const inShape = imageShape(ctx, ctx.input(0))
  const kernel = [inShape[1], inShape[2]] as const
  const window: WindowGeometry = { kernel, stride: [1, 1], pads: [0, 0, 0, 0], windowPads: [0, 0, 0, 0], out: [1, 1] }
  averagePool(ctx, inShape, window, Float64Array.of(kernel[0] * kernel[1]))
}

function readKernel(ctx: LoweringContext): readonly [number, number] {
  const kernel = pair(ctx, 'kernel_shape', ctx.attrInts('kernel_shape') ?? ctx.fail('it has no kernel_shape.'))
  if (kernel.some((k) => k < 1)) ctx.fail(`its kernel_shape ${formatShape(kernel)} is not positive.`)
  return kernel
}

/** Depthwise conv with weights 1/d, or a sum conv and an affine when the divisors differ. */
function averagePool(ctx: LoweringContext, inShape: Chw, window: WindowGeometry, divisor: Float64Array): void {
  const x = ctx.input(0)
  const [channels] = inShape
  const [kh, kw] = window.kernel
  const outShape = [channels, window.out[0], window.out[1]] as const
  const uniform = divisor.every((d) => d === divisor[0])
  const conv = (weight: number) =>
    ({ kind: 'conv', inShape, outShape, kernel: window.kernel, stride: window.stride, pads: window.windowPads, group: channels, weight: new Float64Array(channels * kh * kw).fill(weight), bias: new Float64Array(channels) }) as const
  if (uniform) {
    ctx.apply(x, conv(1 / divisor[0]!), [1, ...outShape])
    return
  }
  const sum = ctx.apply(x, conv(1), [1, ...outShape], { step: 'sum' })
  const plane = divisor.length
  const scale = new Float64Array(channels * plane)
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) scale[c * plane + p] = 1 / divisor[p]!
  ctx.apply(sum, { kind: 'affine', scale, shift: new Float64Array(scale.length) }, [1, ...outShape])
}

/** onnxruntime's divisor of each output position (row-major [outH][outW]). */
function divisors([, height, width]: Chw, { kernel, stride, pads, out }: WindowGeometry, countPads: boolean): Float64Array {
  const span = (o: number, axis: 0 | 1) => {
    const size = axis === 0 ? height : width
    const start = o * stride[axis] - pads[axis]
    const end = Math.min(start + kernel[axis], size + pads[axis + 2]!)
    return countPads ? end - start : Math.min(end, size) - Math.max(start, 0)
  }
  const d = new Float64Array(out[0] * out[1])
  for (let oh = 0; oh < out[0]; oh++) for (let ow = 0; ow < out[1]; ow++) d[oh * out[1] + ow] = span(oh, 0) * span(ow, 1)
  return d
}
