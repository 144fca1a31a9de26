/**
 * Gemm and MatMul lower to `dense` (y = W·x + b on the flattened input); the
 * other operand must be a constant. Both constant: the product is evaluated
 * at import. (Several rows and batches of MatMul: lowerMatMul.ts.)
 */
import { broadcastShapes, broadcastTo } from './broadcast.js'
import { formatShape, sizeOf, type ConstValue, type LoweringContext } from './lowering.js'

/** Dense weights beyond this many entries mean a model far too large to prove; refuse clearly instead. */
const MAX_DENSE_WEIGHTS = 1 << 24

/** Gemm: Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A and B' likewise; several rows of a computed A become one block-structured dense. */
export function lowerGemm(ctx: LoweringContext): void {
  const alpha = ctx.attrFloat('alpha', 1)
  const beta = ctx.attrFloat('beta', 1)
  const transA = ctx.attrInt('transA', 0) !== 0
  const transB = ctx.attrInt('transB', 0) !== 0
  const a = ctx.input(0)
  const b = ctx.constInput(1, 'B (the weight)')
  const c = ctx.optionalInput(2)
  if (c && c.kind !== 'const') ctx.fail('its input C (the bias) is computed from the model input; glassbox needs a constant bias.')
  const aShape = a.kind === 'const' ? a.dims : a.shape
  if (aShape.length !== 2 || b.dims.length !== 2) {
    ctx.fail(`Gemm needs 2-D inputs, got A ${formatShape(aShape)} and B ${formatShape(b.dims)}.`, 'Insert a Flatten before the Gemm when re-exporting.')
  }
  const [m, kA] = transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!]
  const [k, n] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!]
  if (kA !== k) {
    ctx.fail(`the weight expects ${k} input features but the input ${formatShape(aShape)}${transA ? ' (transposed)' : ''} has ${kA}.`, 'The model is inconsistent; re-export it.')
  }
  // W is [n][k] row-major: W[j][i] = alpha·B'[i][j].
  const weight = new Float64Array(n * k)
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < k; i++) weight[j * k + i] = alpha * b.data[transB ? j * k + i : i * n + j]!
  }
  const biasRows = c ? expandBias(ctx, c, m, n).map((v) => beta * v) : new Float64Array(m * n)
  if (a.kind === 'const') {
    const rows = transA ? transpose(a.data, aShape[0]!, aShape[1]!) : a.data
    ctx.setConst(0, [m, n], applyRows(weight, rows, biasRows, m, k, n))
    return
  }
  if (m === 1) {
    ctx.apply(a, { kind: 'dense', inFeatures: k, outFeatures: n, weight, bias: biasRows }, [1, n])
    return
  }
  // Several rows (a token sequence through nn.Linear): one dense over the whole [m][k] input
  // whose weights are zero across rows, so the circuit still pays one rescale per output.
  if (m * k * m * n > MAX_DENSE_WEIGHTS) {
    ctx.fail(`its input ${formatShape(aShape)} times ${formatShape(b.dims)} would need a ${m * n}×${m * k} dense map, more than glassbox lowers (${MAX_DENSE_WEIGHTS} weights).`, 'Use a smaller model.')
  }
  const blocks = new Float64Array(m * n * m * k)
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < k; i++) blocks[(r * n + j) * m * k + (transA ? i * m + r : r * k + i)] = weight[j * k + i]!
    }
  }
  ctx.apply(a, { kind: 'dense', inFeatures: m * k, outFeatures: m * n, weight: blocks, bias: biasRows }, [m, n])
}

/**
 * MatMul with numpy semantics (1-D operands are promoted, leading dims
 * broadcast). Either operand may be the constant: x·W gives W = Wᵀ per row of
 * x, and W·x (x a column) gives W itself.
 */
export function lowerMatMul(ctx: LoweringContext): void {
  const a = ctx.input(0)
  const b = ctx.input(1)
  if (a.kind === 'dynamic' && b.kind === 'dynamic') {
    ctx.fail('both of its inputs are computed from the model input; glassbox needs one constant (weight) operand.')
  }
  const aShape = a.kind === 'const' ? a.dims : a.shape
  const bShape = b.kind === 'const' ? b.dims : b.shape
  const a2 = aShape.length === 1 ? [1, aShape[0]!] : aShape
  const b2 = bShape.length === 1 ? [bShape[0]!, 1] : bShape
  const [m, k] = a2.slice(-2) as [number, number]
  const [kB, n] = b2.slice(-2) as [number, number]
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2))
  if (k !== kB || !batch) {
    ctx.fail(`the shapes ${formatShape(aShape)} and ${formatShape(bShape)} cannot be multiplied.`, 'The model is inconsistent; re-export it.')
  }
  // numpy drops the dims it added for 1-D operands.
  const outShape = [...batch, ...(aShape.length === 1 ? [] : [m]), ...(bShape.length === 1 ? [] : [n])]
  if (sizeOf(batch) !== 1) ctx.fail(`batched MatMul over ${formatShape(batch)} is not supported; glassbox computes batch size 1.`)
  if (a.kind === 'const' && b.kind === 'const') {
    ctx.setConst(0, outShape, applyRows(transpose(b.data, k, n), a.data, new Float64Array(m * n), m, k, n))
    return
  }
  if (a.kind === 'dynamic' && b.kind === 'const') {
    if (m !== 1) ctx.fail(`its input ${formatShape(aShape)} has ${m} rows; glassbox computes one row (batch size 1).`)
    ctx.apply(a, { kind: 'dense', inFeatures: k, outFeatures: n, weight: transpose(b.data, k, n), bias: new Float64Array(n) }, outShape)
    return
  }
  if (a.kind === 'const' && b.kind === 'dynamic') {
    if (n !== 1) ctx.fail(`its computed input ${formatShape(bShape)} has ${n} columns; glassbox needs a column vector here.`)
    ctx.apply(b, { kind: 'dense', inFeatures: k, outFeatures: m, weight: a.data.slice(), bias: new Float64Array(m) }, outShape)
  }
}

/** C broadcast (unidirectionally, per Gemm's rules) to [m][n]. */
function expandBias(ctx: LoweringContext, c: ConstValue, m: number, n: number): Float64Array {
  const target = [m, n]
  const shape = broadcastShapes(c.dims, target)
  if (!shape || shape[0] !== m || shape[1] !== n) {
    ctx.fail(`its bias C ${formatShape(c.dims)} does not broadcast to the output ${formatShape(target)}.`, 'The model is inconsistent; re-export it.')
  }
  return broadcastTo(c.data, c.dims, target)
}

/** Row-major transpose of a [rows][cols] matrix. */
function transpose(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!
  return out
}

/** out[r][j] = Σᵢ W[j][i]·x[r][i] + bias[r][j] for each of `m` rows of x. */
function applyRows(weight: Float64Array, x: Float64Array, bias: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n)
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let acc = bias[r * n + j]!
      for (let i = 0; i < k; i++) acc += weight[j * k + i]! * x[r * k + i]!
      out[r * n + j] = acc
    }
  }
  return out
}
