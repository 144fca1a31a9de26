import type { AffineOp, DenseOp, ModelIR, Op, SingleInputOp } from './ir.js'
import { isMultiInput, opInputs } from './ir.js'
import { affineThenConv, convThenAffine, padThenConv, padThenPad } from './foldConv.js'

type UnaryOp = SingleInputOp

/**
 * Folds neighbours together so that the circuit pays for each linear map once
 * (and quantizes it once):
 * - affine → dense:  W' = W·diag(a), b' = b + W·c
 * - dense → affine:  W' = diag(a)·W, b' = a∘b + c
 * - affine → affine: a' = a₂∘a₁, c' = a₂∘c₁ + c₂
 * - dense → dense (no nonlinearity between): W' = W₂·W₁, b' = W₂·b₁ + b₂, but
 *   only when the product is no larger than the two factors (a bottleneck
 *   layer is a low-rank factorization; multiplying it out would grow the circuit).
 * - conv → affine (BatchNorm after Conv) when the affine is uniform within each
 *   output channel: each filter and its bias scale by a[m], the bias shifts by c[m].
 * - affine → conv when the affine is uniform within each input channel and
 *   the conv reads no padding, or the affine has no shift (a padding zero
 *   would otherwise become c instead of 0).
 * - pad → conv, pad → pad: the pads add up (zero padding is zero padding).
 * - relu → clip(a, b) = clip(max(a, 0), b); clip(a, b) → relu = clip(max(a, 0), max(b, 0));
 *   relu → relu = relu (PyTorch exports ReLU6 as Relu → Clip(0, 6)).
 *
 * A pair folds only when the second op is the first one's sole consumer and
 * the first one's output is not the model output; multi-input ops (concat,
 * binary, matmul) never fold.
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
      if (isMultiInput(first) || first.output === model.output.name) continue
      const consumers = ops.filter((op) => opInputs(op).includes(first.output))
      const second = consumers[0]
      if (consumers.length !== 1 || !second || isMultiInput(second)) continue
      const merged = mergePair(first, second)
      if (!merged) continue
      // The merged op takes the second op's place: its input is produced before
      // the first op and its consumers come after the second, so order holds.
      const j = ops.indexOf(second)
      ops = ops.flatMap((op, k) => (k === i ? [] : k === j ? [merged] : [op]))
      changed = true
    }
  }
  const used = new Set([model.input.name, model.output.name, ...ops.flatMap((op) => [...opInputs(op), op.output])])
  const tensors = Object.fromEntries(Object.entries(model.tensors).filter(([name]) => used.has(name)))
  return { ...model, tensors, ops }
}

function mergePair(first: UnaryOp, second: UnaryOp): Op | undefined {
  const io = { input: first.input, output: second.output }
  const merged = mergeKinds(first, second)
  return merged ? { ...merged, ...io } : undefined
}

function mergeKinds(first: UnaryOp, second: UnaryOp): UnaryOp | undefined {
  const joinedName = `${first.name}+${second.name}`
  if (first.kind === 'affine' && second.kind === 'affine' && first.scale.length === second.scale.length) {
    const scale = first.scale.map((a, i) => second.scale[i]! * a)
    const shift = first.shift.map((c, i) => second.scale[i]! * c + second.shift[i]!)
    return { ...second, name: joinedName, scale, shift }
  }
  if (first.kind === 'affine' && second.kind === 'dense' && first.scale.length === second.inFeatures) return affineThenDense(first, second)
  if (first.kind === 'dense' && second.kind === 'affine' && second.scale.length === first.outFeatures) return denseThenAffine(first, second)
  if (first.kind === 'dense' && second.kind === 'dense' && first.outFeatures === second.inFeatures) {
    const mergedSize = second.outFeatures * first.inFeatures
    if (mergedSize <= first.weight.length + second.weight.length) return denseThenDense(first, second)
  }
  if (first.kind === 'conv' && second.kind === 'affine') return convThenAffine(first, second)
  if (first.kind === 'affine' && second.kind === 'conv') return affineThenConv(first, second)
  if (first.kind === 'pad' && second.kind === 'conv') return padThenConv(first, second)
  if (first.kind === 'pad' && second.kind === 'pad') return padThenPad(first, second)
  return mergeRectifiers(first, second, joinedName)
}

/** relu/clip pairs as one clip (or relu): both are clamps, and clamps compose. */
function mergeRectifiers(first: UnaryOp, second: UnaryOp, name: string): UnaryOp | undefined {
  const bounds = (op: UnaryOp) => (op.kind === 'relu' ? [0, Number.POSITIVE_INFINITY] : op.kind === 'clip' ? [op.min, op.max] : undefined)
  const [a1, b1] = bounds(first) ?? []
  const [a2, b2] = bounds(second) ?? []
  if (a1 === undefined || b1 === undefined || a2 === undefined || b2 === undefined) return undefined
  // clip(clip(x, a1, b1), a2, b2) is one clip when the intervals overlap.
  if (a2 > b1 || a1 > b2) return undefined
  const min = Math.max(a1, a2)
  const max = Math.min(b1, b2)
  const base = { name, input: first.input, output: second.output }
  return min === 0 && max === Number.POSITIVE_INFINITY ? { kind: 'relu', ...base } : { kind: 'clip', ...base, min, max }
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
