/**
 * Recognises the decompositions exporters write for LayerNorm and GELU and
 * replaces each by the one node it stands for, before the graph is lowered:
 *
 * - LayerNorm (torch < opset 17, TF/keras2onnx):
 *   μ = ReduceMean(x), d = Sub(x, μ), v = ReduceMean(Pow(d, 2)), s = Sqrt(Add(v, ε)),
 *   n = Div(d, s), then optionally Mul(n, γ) and Add(·, β)
 *   → LayerNormalization(x, γ, β; axis, epsilon = ε).
 * - GELU (torch's `nn.GELU()`, exact form): x·0.5·(1 + erf(x/√2)), the
 *   division by √2 also as a product with 1/√2, the three factors in any
 *   association and order → Gelu(x).
 *
 * Every tensor inside a pattern must be read only inside it (otherwise the
 * intermediate would vanish). A fused node takes the place of the pattern's
 * last node, where all its inputs already exist. Nodes that merely produce a
 * pattern's constants (Constant nodes, initializers) are left as they are.
 */
import { decodeTensor } from './decodeTensor.js'
import { FUSED_AXES_ATTRIBUTE } from './lowerLayerNorm.js'
import { int64ToNumber, type OnnxAttribute, type OnnxGraph, type OnnxNode } from './onnxTypes.js'

export type FuseOnnxPatternsReturnType = {
  graph: OnnxGraph
  /** What was fused, e.g. `LayerNormalization from 9 nodes at "ln/ReduceMean"`, for the import log. */
  fused: string[]
}

/**
 * @param graph - the ONNX graph (not modified).
 * @returns the graph with every recognised pattern replaced by one node.
 * @example
 * const { graph } = fuseOnnxPatterns(model.graph!) // torch's Erf-based GELU → one Gelu node
 */
export function fuseOnnxPatterns(graph: OnnxGraph): FuseOnnxPatternsReturnType {
  const nodes = [...(graph.node ?? [])]
  const fused: string[] = []
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''))
  // Fusing keeps every Constant node, so the constants are the same throughout.
  const vectors = constantVectorsOf(graph, nodes)
  const constants = new Map<string, number>()
  for (const [name, values] of vectors) if (values.length === 1) constants.set(name, values[0]!)
  const ctx: MatchContext = { constants, vectors, outputs }
  for (const match of [matchLayerNorm, matchGelu]) {
    for (let i = 0; i < nodes.length; i++) {
      const found = match(nodes, i, ctx)
      if (!found) continue
      const last = Math.max(...found.nodes.map((n) => nodes.indexOf(n)))
      const drop = new Set(found.nodes)
      const kept = nodes.filter((n, k) => k === last || !drop.has(n))
      kept[kept.indexOf(nodes[last]!)] = found.replacement
      fused.push(`${found.replacement.opType} from ${found.nodes.length} nodes at "${found.nodes[0]!.name || found.nodes[0]!.opType}"`)
      nodes.splice(0, nodes.length, ...kept)
      i = -1
    }
  }
  return { graph: fused.length > 0 ? { ...graph, node: nodes } : graph, fused }
}

type MatchContext = {
  /** Single-value constants (initializers and Constant nodes) by tensor name. */
  constants: Map<string, number>
  /** Every constant (initializers and Constant nodes) by tensor name. */
  vectors: Map<string, number[]>
  outputs: Set<string>
}
type Match = { nodes: OnnxNode[]; replacement: OnnxNode }

const op = (n: OnnxNode | undefined, type: string): n is OnnxNode => n !== undefined && (n.domain ?? '') === '' && n.opType === type

/** The one node reading `tensor`, when exactly one does and it is not a graph output. */
function soleReader(nodes: readonly OnnxNode[], tensor: string, ctx: MatchContext): OnnxNode | undefined {
  if (ctx.outputs.has(tensor)) return undefined
  const readers = nodes.filter((n) => (n.input ?? []).includes(tensor))
  return readers.length === 1 ? readers[0] : undefined
}

/** The other input of a two-input node, given one of them. */
function otherInput(n: OnnxNode, one: string): string | undefined {
  const [a, b] = n.input ?? []
  if (a === one) return b
  if (b === one) return a
  return undefined
}

const near = (value: number | undefined, target: number) => value !== undefined && Math.abs(value - target) <= 1e-6 * Math.abs(target)

function attributeOf(n: OnnxNode, name: string): OnnxAttribute | undefined {
  return (n.attribute ?? []).find((a) => a.name === name)
}

/** ReduceMean's axes (attribute before opset 18, a constant input from 18) and keepdims. */
function reduceAxes(n: OnnxNode, constants: Map<string, number[]>): { axes: number[]; keepdims: number } | undefined {
  const keepdims = int64ToNumber(attributeOf(n, 'keepdims')?.i, 1)
  const fromAttribute = attributeOf(n, 'axes')?.ints?.map((v) => int64ToNumber(v))
  const fromInput = n.input?.[1] ? constants.get(n.input[1]) : undefined
  const axes = fromAttribute ?? fromInput
  return axes && axes.length > 0 ? { axes, keepdims } : undefined
}

function matchLayerNorm(nodes: readonly OnnxNode[], i: number, ctx: MatchContext): Match | undefined {
  const mean = nodes[i]
  if (!op(mean, 'ReduceMean')) return undefined
  const x = mean.input?.[0]
  const meanOut = mean.output?.[0]
  if (!x || !meanOut) return undefined
  const meanAxes = reduceAxes(mean, ctx.vectors)
  if (!meanAxes || meanAxes.keepdims !== 1) return undefined
  const sub = soleReader(nodes, meanOut, ctx)
  if (!op(sub, 'Sub') || sub.input?.[0] !== x || sub.input?.[1] !== meanOut) return undefined
  const d = sub.output?.[0]
  if (!d || ctx.outputs.has(d)) return undefined
  const dReaders = nodes.filter((n) => (n.input ?? []).includes(d))
  const pow = dReaders.find((n) => op(n, 'Pow') && n.input?.[0] === d)
  const div = dReaders.find((n) => op(n, 'Div') && n.input?.[0] === d)
  // d = x − μ may also be squared as Mul(d, d).
  const square = pow && near(ctx.constants.get(pow.input?.[1] ?? ''), 2) ? pow : dReaders.find((n) => op(n, 'Mul') && n.input?.[0] === d && n.input?.[1] === d)
  if (!square || !div || dReaders.length !== 2) return undefined
  const varMean = soleReader(nodes, square.output?.[0] ?? '', ctx)
  if (!op(varMean, 'ReduceMean')) return undefined
  const varAxes = reduceAxes(varMean, ctx.vectors)
  if (!varAxes || varAxes.keepdims !== 1 || varAxes.axes.join() !== meanAxes.axes.join()) return undefined
  const addEps = soleReader(nodes, varMean.output?.[0] ?? '', ctx)
  if (!op(addEps, 'Add')) return undefined
  const epsName = otherInput(addEps, varMean.output![0]!)
  const epsilon = epsName === undefined ? undefined : ctx.constants.get(epsName)
  if (epsilon === undefined || !(epsilon > 0)) return undefined
  const sqrt = soleReader(nodes, addEps.output?.[0] ?? '', ctx)
  if (!op(sqrt, 'Sqrt') || soleReader(nodes, sqrt.output?.[0] ?? '', ctx) !== div || div.input?.[1] !== sqrt.output?.[0]) return undefined
  const matched = [mean, sub, square, varMean, addEps, sqrt, div]
  let y = div.output?.[0] ?? ''
  let gamma = ''
  let beta = ''
  const mul = soleReader(nodes, y, ctx)
  if (op(mul, 'Mul')) {
    const g = otherInput(mul, y)
    if (g && isConstant(g, ctx)) {
      gamma = g
      matched.push(mul)
      y = mul.output?.[0] ?? ''
    }
  }
  const add = soleReader(nodes, y, ctx)
  if (op(add, 'Add')) {
    const b = otherInput(add, y)
    if (b && isConstant(b, ctx)) {
      beta = b
      matched.push(add)
      y = add.output?.[0] ?? ''
    }
  }
  const axis = Math.min(...meanAxes.axes)
  const allNegative = meanAxes.axes.every((a) => a < 0)
  const sorted = [...meanAxes.axes].sort((a, b) => a - b)
  // The reduced axes must be contiguous; the lowering checks they are the trailing ones (it knows the rank).
  if (sorted.some((a, k) => k > 0 && a !== sorted[k - 1]! + 1) || (allNegative && sorted.at(-1) !== -1)) return undefined
  const replacement: OnnxNode = {
    opType: 'LayerNormalization',
    name: mean.name || `LayerNorm_${i}`,
    input: [x, gamma, beta],
    output: [y],
    attribute: [
      { name: 'axis', type: 2, i: axis },
      { name: 'epsilon', type: 1, f: epsilon },
      { name: FUSED_AXES_ATTRIBUTE, type: 2, i: meanAxes.axes.length },
    ],
  }
  return { nodes: matched, replacement }
}

function matchGelu(nodes: readonly OnnxNode[], i: number, ctx: MatchContext): Match | undefined {
  const erf = nodes[i]
  if (!op(erf, 'Erf')) return undefined
  // erf's input: x / √2 or x · (1/√2).
  const scaled = erf.input?.[0] ?? ''
  const scale = nodes.find((n) => n.output?.[0] === scaled)
  if (!scale || soleReader(nodes, scaled, ctx) !== erf) return undefined
  let x: string | undefined
  if (op(scale, 'Div') && near(ctx.constants.get(scale.input?.[1] ?? ''), Math.SQRT2)) x = scale.input?.[0]
  else if (op(scale, 'Mul')) {
    const [a, b] = scale.input ?? []
    if (near(ctx.constants.get(b ?? ''), Math.SQRT1_2)) x = a
    else if (near(ctx.constants.get(a ?? ''), Math.SQRT1_2)) x = b
  }
  if (!x) return undefined
  const plusOne = soleReader(nodes, erf.output?.[0] ?? '', ctx)
  if (!op(plusOne, 'Add') || !near(ctx.constants.get(otherInput(plusOne, erf.output![0]!) ?? ''), 1)) return undefined
  const a = plusOne.output?.[0] ?? ''
  const isHalf = (t: string | undefined) => near(ctx.constants.get(t ?? ''), 0.5)
  const m1 = soleReader(nodes, a, ctx)
  if (!op(m1, 'Mul')) return undefined
  const o1 = otherInput(m1, a)
  const u = m1.output?.[0] ?? ''
  let matched: OnnxNode[] | undefined
  if (o1 === x || isHalf(o1)) {
    // (x·a)·0.5 or (a·0.5)·x
    const m2 = soleReader(nodes, u, ctx)
    if (op(m2, 'Mul')) {
      const o2 = otherInput(m2, u)
      if ((o1 === x && isHalf(o2)) || (isHalf(o1) && o2 === x)) matched = [scale, erf, plusOne, m1, m2]
    }
  } else if (o1) {
    // (x·0.5)·a
    const half = nodes.find((n) => n.output?.[0] === o1)
    if (op(half, 'Mul') && soleReader(nodes, o1, ctx) === m1) {
      const [p, q] = half.input ?? []
      if ((p === x && isHalf(q)) || (q === x && isHalf(p))) matched = [half, scale, erf, plusOne, m1]
    }
  }
  if (!matched) return undefined
  const last = matched.reduce((best, n) => (nodes.indexOf(n) > nodes.indexOf(best) ? n : best))
  return { nodes: matched, replacement: { opType: 'Gelu', name: erf.name || `Gelu_${i}`, input: [x], output: [last.output![0]!] } }
}

function isConstant(name: string, ctx: MatchContext): boolean {
  return ctx.vectors.has(name)
}

/** Values of initializers and Constant nodes by name (any size). */
function constantVectorsOf(graph: OnnxGraph, nodes: readonly OnnxNode[]): Map<string, number[]> {
  const values = new Map<string, number[]>()
  for (const init of graph.initializer ?? []) {
    try {
      values.set(init.name ?? '', Array.from(decodeTensor(init, `initializer "${init.name}"`).data))
    } catch {
      // An initializer glassbox cannot decode is reported by the import itself, where it is used.
    }
  }
  for (const n of nodes) {
    if (!op(n, 'Constant') || !n.output?.[0]) continue
    const value = attributeOf(n, 'value')
    if (value?.t) {
      try {
        values.set(n.output[0], Array.from(decodeTensor(value.t, `Constant "${n.name}"`).data))
      } catch {
        // As above: left to the import.
      }
    } else if (attributeOf(n, 'value_float')) values.set(n.output[0], [attributeOf(n, 'value_float')!.f ?? 0])
    else if (attributeOf(n, 'value_ints')) values.set(n.output[0], (attributeOf(n, 'value_ints')!.ints ?? []).map((v) => int64ToNumber(v)))
  }
  return values
}
