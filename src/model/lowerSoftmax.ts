/**
 * Softmax anywhere in the graph: one `softmax` IR op, normalizing along one
 * axis. The two ONNX definitions differ: opset ≥ 13 normalizes along `axis`
 * (default −1); opset < 13 flattens the input to 2-D at `axis` (default 1)
 * and normalizes each row, i.e. over all the dims from `axis` on. A final
 * Softmax over the whole output is dropped afterwards by
 * {@link dropFinalSoftmax} (the argmax of the logits is the same).
 */
import { sizeOf, type LoweringContext } from './lowering.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

export function lowerSoftmax(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const legacy = ctx.opsetVersion < 13
  const rank = Math.max(shape.length, 1)
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', legacy ? 1 : -1), rank)
  const axisSize = legacy ? sizeOf(shape.slice(axis)) : (shape[axis] ?? 1)
  const inner = legacy ? 1 : sizeOf(shape.slice(axis + 1))
  ctx.apply(x, { kind: 'softmax', axisSize, inner }, shape)
}
