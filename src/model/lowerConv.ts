/**
 * Conv lowers to `conv` (2-D, dilation 1, any group that divides both channel
 * counts: dense, grouped, depthwise). A BatchNormalization or constant
 * Mul/Add after it and a zero Pad before it are folded into it later by the
 * fold pass; the weight and bias must be constants.
 */
import { imageShape, pair, readWindow } from './imageWindow.js'
import { formatShape, type LoweringContext } from './lowering.js'

export function lowerConv(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const w = ctx.constInput(1, 'W (the weight)')
  const b = ctx.optionalInput(2)
  if (b && b.kind !== 'const') ctx.fail('its input B (the bias) is computed from the model input; glassbox needs a constant bias.')
  const inShape = imageShape(ctx, x)
  if (w.dims.length !== 4) ctx.fail(`its weight ${formatShape(w.dims)} is not [M, C/group, kH, kW]; glassbox supports 2-D Conv only.`)
  const [outChannels, inPerGroup, kh, kw] = w.dims as [number, number, number, number]
  const group = ctx.attrInt('group', 1)
  const channels = inShape[0]
  if (group < 1 || inPerGroup * group !== channels || outChannels % group !== 0) {
    ctx.fail(`its weight ${formatShape(w.dims)} with group ${group} does not fit its input of ${channels} channels.`, 'The model is inconsistent; re-export it.')
  }
  const kernel = pair(ctx, 'kernel_shape', ctx.attrInts('kernel_shape') ?? [kh, kw])
  if (kernel[0] !== kh || kernel[1] !== kw) ctx.fail(`its kernel_shape ${formatShape(kernel)} does not match its weight ${formatShape(w.dims)}.`)
  if (b && b.data.length !== outChannels) ctx.fail(`its bias has ${b.data.length} values for ${outChannels} output channels.`)
  const { stride, windowPads, out } = readWindow(ctx, [inShape[1], inShape[2]], kernel)
  const outShape = [outChannels, out[0], out[1]] as const
  ctx.apply(
    x,
    { kind: 'conv', inShape, outShape, kernel, stride, pads: windowPads, group, weight: w.data.slice(), bias: b ? b.data.slice() : new Float64Array(outChannels) },
    [1, ...outShape],
  )
}
