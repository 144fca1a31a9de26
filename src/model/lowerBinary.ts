/**
 * Add, Sub and Mul. Of two computed tensors (a residual connection, a gate)
 * they lower to `binary` with the broadcast resolved to shapes; with a
 * constant operand they stay the `affine` of lowerElementwise.ts (which the
 * fold pass merges into a neighbouring dense or conv).
 */
import { broadcastShapes } from './broadcast.js'
import type { BinaryOp } from './ir.js'
import { formatShape, type LoweringContext } from './lowering.js'
import { lowerAdd as lowerAddConstant, lowerMul as lowerMulConstant, lowerSub as lowerSubConstant } from './lowerElementwise.js'

export function lowerAdd(ctx: LoweringContext): void {
  lowerBinary(ctx, 'add', lowerAddConstant)
}
export function lowerSub(ctx: LoweringContext): void {
  lowerBinary(ctx, 'sub', lowerSubConstant)
}
export function lowerMul(ctx: LoweringContext): void {
  lowerBinary(ctx, 'mul', lowerMulConstant)
}

function lowerBinary(ctx: LoweringContext, op: BinaryOp['op'], withConstant: (ctx: LoweringContext) => void): void {
  const a = ctx.input(0)
  const b = ctx.input(1)
  if (a.kind !== 'dynamic' || b.kind !== 'dynamic') {
    withConstant(ctx)
    return
  }
  const outShape = broadcastShapes(a.shape, b.shape)
  if (!outShape) ctx.fail(`its inputs ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast.`, 'The model is inconsistent; re-export it.')
  ctx.emitMulti([a, b], { kind: 'binary', op, aShape: [...a.shape], bShape: [...b.shape], outShape }, outShape)
}
