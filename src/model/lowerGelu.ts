/**
 * GELU and the error function, each its own IR op: ONNX Gelu (opset 20,
 * `approximate` "none" or "tanh"), Erf, and the torch pattern
 * x·0.5·(1 + erf(x/√2)) that {@link fuseOnnxPatterns} turns into one Gelu node.
 */
import type { LoweringContext } from './lowering.js'
import { shapeOf } from './lowerViews.js'

export function lowerGelu(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const approximate = ctx.attrString('approximate', 'none')
  if (approximate !== 'none' && approximate !== 'tanh') ctx.fail(`its approximate attribute is "${approximate}"; ONNX defines "none" and "tanh".`)
  ctx.apply(x, { kind: 'gelu', approximate }, shapeOf(x))
}

export function lowerErf(ctx: LoweringContext): void {
  const x = ctx.input(0)
  ctx.apply(x, { kind: 'erf' }, shapeOf(x))
}
