/**
 * MatMul with numpy semantics. Of two computed tensors (attention's Q·Kᵀ and
 * scores·V) it lowers to `matmul`. With one constant operand it is a linear
 * map of the other, a `dense`: for a single row (or column) exactly as
 * lowerLinear.ts lowers it; for several rows or a batch (a token sequence
 * times a weight matrix) a block-structured dense whose weights are zero
 * across rows, so the circuit still pays one rescale per output.
 */
import { broadcastIndex, broadcastShapes } from './broadcast.js'
import { formatShape, sizeOf, type ConstValue, type DynamicValue, type LoweringContext } from './lowering.js'
import { lowerMatMul as lowerMatMulVector } from './lowerLinear.js'

/** Dense weights beyond this many entries mean a model far too large to prove; refuse clearly instead. */
const MAX_DENSE_WEIGHTS = 1 << 24

export function lowerMatMul(ctx: LoweringContext): void {
  const a = ctx.input(0)
  const b = ctx.input(1)
  const aShape = a.kind === 'const' ? a.dims : a.shape
  const bShape = b.kind === 'const' ? b.dims : b.shape
  if (aShape.length === 0 || bShape.length === 0) ctx.fail('it has a scalar operand; MatMul needs at least 1-D inputs.')
  // numpy: a 1-D a is a row [1, k], a 1-D b a column [k, 1]; the added dims are dropped from the result.
  const a2 = aShape.length === 1 ? [1, aShape[0]!] : aShape
  const b2 = bShape.length === 1 ? [bShape[0]!, 1] : bShape
  const [m, k] = a2.slice(-2) as [number, number]
  const [kB, n] = b2.slice(-2) as [number, number]
  const aBatch = a2.slice(0, -2)
  const bBatch = b2.slice(0, -2)
  const batch = broadcastShapes(aBatch, bBatch)
  if (k !== kB || !batch) ctx.fail(`the shapes ${formatShape(aShape)} and ${formatShape(bShape)} cannot be multiplied.`, 'The model is inconsistent; re-export it.')
  const outShape = [...batch, ...(aShape.length === 1 ? [] : [m]), ...(bShape.length === 1 ? [] : [n])]
  const geometry = { m, k, n, aBatch, bBatch, batch }
  if (a.kind === 'dynamic' && b.kind === 'dynamic') {
    ctx.emitMulti([a, b], { kind: 'matmul', ...geometry }, outShape)
    return
  }
  const vector = sizeOf(batch) === 1 && ((a.kind === 'dynamic' && m === 1) || (b.kind === 'dynamic' && n === 1))
  if (vector || (a.kind === 'const' && b.kind === 'const')) {
    lowerMatMulVector(ctx)
    return
  }
  lowerConstantOperand(ctx, a.kind === 'dynamic' ? { x: a, w: b as ConstValue, xFirst: true } : { x: b as DynamicValue, w: a as ConstValue, xFirst: false }, geometry, outShape)
}

type Geometry = { m: number; k: number; n: number; aBatch: number[]; bBatch: number[]; batch: number[] }

/** out[t][i][j] = Σ_l a[t][i][l]·b[t][l][j] as a dense map of the computed operand x (the other is the constant w). */
function lowerConstantOperand(ctx: LoweringContext, { x, w, xFirst }: { x: DynamicValue; w: ConstValue; xFirst: boolean }, { m, k, n, aBatch, bBatch, batch }: Geometry, outShape: number[]): void {
  const inFeatures = sizeOf(x.shape)
  const outFeatures = sizeOf(batch) * m * n
  if (inFeatures * outFeatures > MAX_DENSE_WEIGHTS) {
    ctx.fail(`multiplying ${formatShape(x.shape)} by a constant ${formatShape(w.dims)} would need a ${outFeatures}×${inFeatures} dense map, more than glassbox lowers (${MAX_DENSE_WEIGHTS} weights).`, 'Use a smaller model.')
  }
  const ta = broadcastIndex(aBatch, batch)
  const tb = broadcastIndex(bBatch, batch)
  const weight = new Float64Array(inFeatures * outFeatures)
  for (let t = 0; t < ta.length; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const row = ((t * m + i) * n + j) * inFeatures
        for (let l = 0; l < k; l++) {
          const aAt = ta[t]! * m * k + i * k + l
          const bAt = tb[t]! * k * n + l * n + j
          // Several batch entries may read the same x element (x broadcast): the weights add up.
          if (xFirst) weight[row + aAt] = weight[row + aAt]! + w.data[bAt]!
          else weight[row + bAt] = weight[row + bAt]! + w.data[aAt]!
        }
      }
    }
  }
  ctx.apply(x, { kind: 'dense', inFeatures, outFeatures, weight, bias: new Float64Array(outFeatures) }, outShape)
}
