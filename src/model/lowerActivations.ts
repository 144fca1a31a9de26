/**
 * Activations, each its own IR op (evaluated at import on constants): Relu,
 * Clip (ReLU6 = Clip(0, 6); Clip(0, +∞) is a relu, Clip(−∞, +∞) a view),
 * LeakyRelu, Sigmoid, Tanh. LogSoftmax is supported only as the model's last
 * op, where it is dropped: the logits become the output (their argmax is the
 * same) and the IR lists it in `droppedOutputOps`. (Softmax is an op of its
 * own: lowerSoftmax.ts.)
 */
import { formatShape, sizeOf, type LoweringContext } from './lowering.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

/** float32's largest value: opset < 11 Clip defaults, and what exporters write for "no bound". */
const FLOAT_MAX = 3.4028234663852886e38

export function lowerRelu(ctx: LoweringContext): void {
  const x = ctx.input(0)
  ctx.apply(x, { kind: 'relu' }, shapeOf(x))
}

export function lowerClip(ctx: LoweringContext): void {
  const x = ctx.input(0)
  // Opset 11 moved min and max from attributes to optional (scalar) inputs.
  const bound = (i: number, attrName: string, fallback: number) => {
    if (ctx.opsetVersion < 11) return ctx.attrFloat(attrName, fallback)
    const value = ctx.optionalInput(i)
    if (!value) return fallback
    if (value.kind !== 'const') ctx.fail(`its ${attrName} bound is computed from the model input; glassbox needs a constant.`)
    if (value.data.length !== 1) ctx.fail(`its ${attrName} bound ${formatShape(value.dims)} is not a scalar.`)
    return value.data[0]!
  }
  const unbounded = (v: number) => (v <= -FLOAT_MAX ? Number.NEGATIVE_INFINITY : v >= FLOAT_MAX ? Number.POSITIVE_INFINITY : v)
  const min = unbounded(bound(1, 'min', Number.NEGATIVE_INFINITY))
  const max = unbounded(bound(2, 'max', Number.POSITIVE_INFINITY))
  if (Number.isNaN(min) || Number.isNaN(max)) ctx.fail('a bound is NaN.')
  const shape = shapeOf(x)
  if (min === Number.NEGATIVE_INFINITY && max === Number.POSITIVE_INFINITY) ctx.setView(0, x, shape)
  else if (min === 0 && max === Number.POSITIVE_INFINITY) ctx.apply(x, { kind: 'relu' }, shape)
  else ctx.apply(x, { kind: 'clip', min, max }, shape)
}

export function lowerLeakyRelu(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const alpha = ctx.attrFloat('alpha', 0.01)
  ctx.apply(x, alpha === 0 ? { kind: 'relu' } : { kind: 'leakyrelu', alpha }, shapeOf(x))
}

export function lowerSigmoid(ctx: LoweringContext): void {
  const x = ctx.input(0)
  ctx.apply(x, { kind: 'sigmoid' }, shapeOf(x))
}

export function lowerTanh(ctx: LoweringContext): void {
  const x = ctx.input(0)
  ctx.apply(x, { kind: 'tanh' }, shapeOf(x))
}

/**
 * LogSoftmax: dropped when final. Dropping keeps the argmax only if
 * the op normalizes over the whole output (all non-batch values), so a
 * per-pixel or per-row softmax is refused.
 */
export function lowerFinalLogSoftmax(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  if (x.kind === 'const') ctx.fail('it is applied to a constant.', 'A constant Softmax is not a model computation; re-export the model.')
  const rank = shape.length
  // Opset < 13 flattens to 2-D at `axis` (default 1); opset ≥ 13 normalizes along one axis (default −1).
  const legacy = ctx.opsetVersion < 13
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', legacy ? 1 : -1), Math.max(rank, 1))
  const normalized = legacy ? sizeOf(shape.slice(axis)) : (shape[axis] ?? 1)
  if (normalized !== sizeOf(shape)) {
    ctx.fail(
      `it normalizes ${normalized} of the ${sizeOf(shape)} values of ${formatShape(shape)} (axis ${axis}); glassbox drops a final ${ctx.opType} only when it covers the whole output, so that the argmax is unchanged.`,
      'Export the logits (without the Softmax) as the model output, flattened to [1, classes].',
    )
  }
  ctx.setDropped(x)
}
