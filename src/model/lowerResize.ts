/**
 * Resize (and the older Upsample) in `nearest` mode: every output element
 * copies one input element, so it lowers to a `permute` (a gather: wiring,
 * no constraints). The index of each output coordinate follows the ONNX
 * definition: the coordinate transformation maps it back into the input,
 * the nearest mode rounds it, and it is clamped into the axis.
 */
import type { LoweringContext } from './lowering.js'
import { formatShape, sizeOf } from './lowering.js'
import { shapeOf } from './lowerViews.js'

type Transform = (x: number, scale: number, inLength: number, outLength: number) => number

const TRANSFORMS: Record<string, Transform> = {
  half_pixel: (x, scale) => (x + 0.5) / scale - 0.5,
  pytorch_half_pixel: (x, scale, _in, out) => (out > 1 ? (x + 0.5) / scale - 0.5 : 0),
  align_corners: (x, _scale, inLength, outLength) => (outLength === 1 ? 0 : (x * (inLength - 1)) / (outLength - 1)),
  asymmetric: (x, scale) => x / scale,
  tf_half_pixel_for_nn: (x, scale) => (x + 0.5) / scale,
}

const ROUNDINGS: Record<string, (x: number) => number> = {
  round_prefer_floor: (x) => (x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x)),
  round_prefer_ceil: (x) => (x - Math.floor(x) === 0.5 ? Math.ceil(x) : Math.round(x)),
  floor: Math.floor,
  ceil: Math.ceil,
}

export function lowerResize(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const mode = ctx.attrString('mode', 'nearest')
  if (mode !== 'nearest') {
    ctx.fail(`its mode is "${mode}"; glassbox supports Resize with mode "nearest" only (linear and cubic interpolation are not wiring).`, 'Re-export with nearest-neighbour upsampling (e.g. nn.Upsample(mode="nearest")).')
  }
  const upsample = ctx.opType === 'Upsample'
  const transformName = upsample ? 'asymmetric' : ctx.attrString('coordinate_transformation_mode', 'half_pixel')
  const transform = TRANSFORMS[transformName] ?? ctx.fail(`its coordinate_transformation_mode "${transformName}" is not supported (supported: ${Object.keys(TRANSFORMS).join(', ')}).`)
  const roundingName = upsample ? 'floor' : ctx.attrString('nearest_mode', 'round_prefer_floor')
  const round = ROUNDINGS[roundingName] ?? ctx.fail(`its nearest_mode "${roundingName}" is not supported (supported: ${Object.keys(ROUNDINGS).join(', ')}).`)
  if (ctx.attrInt('antialias', 0) !== 0) ctx.fail('it antialiases, which glassbox does not support.')
  if (ctx.attrInts('axes')) ctx.fail('it resizes only some axes (the `axes` attribute), which glassbox does not support.', 'Re-export with scales or sizes for every axis.')
  const policy = ctx.attrString('keep_aspect_ratio_policy', 'stretch')
  if (policy !== 'stretch') ctx.fail(`its keep_aspect_ratio_policy is "${policy}"; glassbox supports "stretch" only.`)

  // Opset 10 and Upsample: (X, scales); opset 11+: (X, roi, scales, sizes), roi only for tf_crop_and_resize.
  const scalesAt = upsample || ctx.opsetVersion < 11 ? 1 : 2
  const scalesInput = ctx.optionalInput(scalesAt)
  const scalesGiven = upsample && ctx.opsetVersion < 9 ? ctx.attribute('scales')?.floats : scalesInput ? Array.from(ctx.constInput(scalesAt, 'scales').data) : undefined
  const sizesGiven = scalesAt === 2 && ctx.optionalInput(3) ? Array.from(ctx.constInput(3, 'sizes').data) : undefined
  let scales: number[]
  let outShape: number[]
  if (sizesGiven && sizesGiven.length > 0) {
    if (sizesGiven.length !== shape.length) ctx.fail(`its sizes [${sizesGiven.join(', ')}] do not match the rank of its input ${formatShape(shape)}.`)
    outShape = sizesGiven
    scales = outShape.map((d, i) => d / shape[i]!)
  } else if (scalesGiven && scalesGiven.length > 0) {
    if (scalesGiven.length !== shape.length) ctx.fail(`its scales [${scalesGiven.join(', ')}] do not match the rank of its input ${formatShape(shape)}.`)
    scales = scalesGiven.map(Number)
    outShape = shape.map((d, i) => Math.floor(d * scales[i]!))
  } else {
    ctx.fail('it has neither scales nor sizes.')
  }
  if (outShape.some((d) => !Number.isInteger(d) || d <= 0)) ctx.fail(`it resizes ${formatShape(shape)} to ${formatShape(outShape)}, which has an empty axis.`)

  // Per axis: the input coordinate each output coordinate reads.
  const axisSources = outShape.map((outLength, a) =>
    Array.from({ length: outLength }, (_, o) => {
      const inLength = shape[a]!
      if (inLength === outLength && scales[a] === 1) return o
      const at = round(transform(o, scales[a]!, inLength, outLength))
      return Math.min(Math.max(at, 0), inLength - 1)
    }),
  )
  const strides = shape.map((_, a) => sizeOf(shape.slice(a + 1)))
  const source = new Int32Array(sizeOf(outShape))
  const index = new Array<number>(outShape.length).fill(0)
  for (let flat = 0; flat < source.length; flat++) {
    let from = 0
    for (let a = 0; a < outShape.length; a++) from += axisSources[a]![index[a]!]! * strides[a]!
    source[flat] = from
    for (let a = outShape.length - 1; a >= 0; a--) {
      index[a] = index[a]! + 1
      if (index[a]! < outShape[a]!) break
      index[a] = 0
    }
  }
  ctx.apply(x, { kind: 'permute', source }, outShape)
}
