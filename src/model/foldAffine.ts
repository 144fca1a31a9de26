import type { AffineOp, DenseOp, ModelIR, Op } from './ir.js'

/**
 * Folds linear neighbours together so that the circuit pays for each linear
 * map once (and quantizes it once):
 * - affine → dense:  W' = W·diag(a), b' = b + W·c
 * - dense → affine:  W' = diag(a)·W, b' = a∘b + c
 * - affine → affine: a' = a₂∘a₁, c' = a₂∘c₁ + c₂
 * - dense → dense (no nonlinearity between): W' = W₂·W₁, b' = W₂·b₁ + b₂, but
 *   only when the product is no larger than the two factors (a bottleneck
 *   layer is a low-rank factorization; multiplying it out would grow the circuit).
 *
 * A pair folds only when the second op is the first one's sole consumer and
 * the first one's output is not the model output.
 *
 * @param model - an IR straight from the importer.
 * @returns an equivalent IR (in exact arithmetic) with the pairs folded; `tensors` keeps only names still in use.
 * @example
 * foldAffine(ir).ops.map((op) => op.kind) // ['dense', 'relu', 'dense'] for (x − mean)/std → Gemm → Relu → Gemm
 */
export function foldAffine(model: ModelIR): ModelIR {
  let ops: Op[] = [...model.ops]
  for (let changed = true; changed; ) {
    changed = false
    for (let i = 0; i < ops.length && !changed; i++) {
      const first = ops[i]!
      if (first.output === model.output.name) continue
      const consumers = ops.filter((op) => op.input === first.output)
      const second = consumers[0]
      if (consumers.length !== 1 || !second) continue
      const merged = mergePair(first, second)
      if (!merged) continue
      // The merged op takes the second op's place: its input is produced before
      // the first op and its consumers come after the second, so order holds.
      const j = ops.indexOf(second)
      ops = ops.flatMap((op, k) => (k === i ? [] : k === j ? [merged] : [op]))
      changed = true
    }
  }
  const used = new Set([model.input.name, model.output.name, ...ops.flatMap((op) => [op.input, op.output])])
  const tensors = Object.fromEntries(Object.entries(model.tensors).filter(([name]) => used.has(name)))
  return { ...model, tensors, ops }
}

function mergePair(first: Op, second: Op): Op | undefined {
  const io = { input: first.input, output: second.output }
  if (first.kind === 'affine' && second.kind === 'affine' && first.scale.length === second.scale.length) {
    const scale = first.scale.map((a, i) => second.scale[i]! * a)
    const shift = first.shift.map((c, i) => second.scale[i]! * c + second.shift[i]!)
    return { kind: 'affine', name: `${first.name}+${second.name}`, ...io, scale, shift }
  }
  if (first.kind === 'affine' && second.kind === 'dense' && first.scale.length === second.inFeatures) {
    return { ...affineThenDense(first, second), ...io }
  }
  if (first.kind === 'dense' && second.kind === 'affine' && second.scale.length === first.outFeatures) {
    return { ...denseThenAffine(first, second), ...io }
  }
  if (first.kind === 'dense' && second.kind === 'dense' && first.outFeatures === second.inFeatures) {
    const mergedSize = second.outFeatures * first.inFeatures
    if (mergedSize <= first.weight.length + second.weight.length) return { ...denseThenDense(first, second), ...io }
  }
  return undefined
}

function affineThenDense(affine: AffineOp, dense: DenseOp): DenseOp {
  const { inFeatures: k, outFeatures: n } = dense
  const weight = new Float64Array(n * k)
  const bias = dense.bias.slice()
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < k; i++) {
      const w = dense.weight[j * k + i]!
      weight[j * k + i] = w * affine.scale[i]!
      bias[j] = bias[j]! + w * affine.shift[i]!
    }
  }
  return { ...dense, weight, bias }
}

function denseThenAffine(dense: DenseOp, affine: AffineOp): DenseOp {
  const k = dense.inFeatures
  // Row j of W (entries j·k … j·k+k−1) scales by a[j].
  const weight = dense.weight.map((w, index) => w * affine.scale[Math.floor(index / k)]!)
  const bias = dense.bias.map((b, j) => affine.scale[j]! * b + affine.shift[j]!)
  return { ...dense, weight, bias }
}

function denseThenDense(first: DenseOp, second: DenseOp): DenseOp {
  const k = first.inFeatures
  const h = first.outFeatures
  const n = second.outFeatures
  const weight = new Float64Array(n * k)
  const bias = second.bias.slice()
  for (let j = 0; j < n; j++) {
    for (let m = 0; m < h; m++) {
      const w2 = second.weight[j * h + m]!
      bias[j] = bias[j]! + w2 * first.bias[m]!
      for (let i = 0; i < k; i++) weight[j * k + i] = weight[j * k + i]! + w2 * first.weight[m * k + i]!
    }
  }
  return { kind: 'dense', name: `${first.name}+${second.name}`, input: first.input, output: second.output, inFeatures: k, outFeatures: n, weight, bias }
}
