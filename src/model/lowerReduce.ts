/**
 * ReduceMean and ReduceSum over any axes (keepdims either way) are linear
 * maps, so they lower to a `dense` with constant weights (1, or 1/count for
 * the mean): in the circuit each output is one weighted sum and one rescale.
 * On a constant they are evaluated at import.
 */
import type { LoweringContext } from './lowering.js'
import { formatShape, sizeOf } from './lowering.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

/** Dense weights beyond this many entries mean a model far too large to prove; refuse clearly instead. */
const MAX_DENSE_WEIGHTS = 1 << 24

export function lowerReduceMean(ctx: LoweringContext): void {
  lowerReduce(ctx, true)
}
export function lowerReduceSum(ctx: LoweringContext): void {
  lowerReduce(ctx, false)
}

function lowerReduce(ctx: LoweringContext, mean: boolean): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const rank = shape.length
  // ReduceSum took its axes as an input from opset 13, ReduceMean from opset 18.
  const axesAsInput = ctx.opsetVersion >= (mean ? 18 : 13)
  const raw = axesAsInput ? (ctx.optionalInput(1) ? Array.from(ctx.constInput(1, 'axes').data) : undefined) : ctx.attrInts('axes')
  const keepdims = ctx.attrInt('keepdims', 1) !== 0
  const noopWhenEmpty = ctx.attrInt('noop_with_empty_axes', 0) !== 0
  if ((!raw || raw.length === 0) && noopWhenEmpty) {
    ctx.setView(0, x, shape)
    return
  }
  const axes = new Set((raw && raw.length > 0 ? raw : shape.map((_, i) => i)).map((a) => normalizeAxis(ctx, a, rank)))
  const outKeep = shape.map((d, i) => (axes.has(i) ? 1 : d))
  const outShape = keepdims ? outKeep : shape.filter((_, i) => !axes.has(i))
  const inFeatures = sizeOf(shape)
  const outFeatures = sizeOf(outKeep)
  if (inFeatures * outFeatures > MAX_DENSE_WEIGHTS) {
    ctx.fail(`reducing ${formatShape(shape)} to ${formatShape(outShape)} would need a ${outFeatures}×${inFeatures} dense map, more than glassbox lowers (${MAX_DENSE_WEIGHTS} weights).`, 'Use a smaller model.')
  }
  const count = inFeatures / outFeatures
  const weight = new Float64Array(inFeatures * outFeatures)
  const outStrides = outKeep.map((_, a) => sizeOf(outKeep.slice(a + 1)))
  const index = new Array<number>(rank).fill(0)
  for (let flat = 0; flat < inFeatures; flat++) {
    // The output element this input element reduces into: its index with the reduced axes at 0.
    let out = 0
    for (let a = 0; a < rank; a++) if (!axes.has(a)) out += index[a]! * outStrides[a]!
    weight[out * inFeatures + flat] = mean ? 1 / count : 1
    for (let a = rank - 1; a >= 0; a--) {
      index[a] = index[a]! + 1
      if (index[a]! < shape[a]!) break
      index[a] = 0
    }
  }
  ctx.apply(x, { kind: 'dense', inFeatures, outFeatures, weight, bias: new Float64Array(outFeatures) }, outShape)
}
