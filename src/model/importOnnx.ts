import { ModelImportError, UnsupportedOpError } from '../errors.js'
import { decodeTensor } from './decodeTensor.js'
import { foldAffine } from './foldAffine.js'
import { graphSignature } from './graphSignature.js'
import type { ModelIR, Op, Shape } from './ir.js'
import { formatShape, sizeOf, type LoweringContext, type Value } from './lowering.js'
import { ONNX_OP_TABLE, SUPPORTED_OPS } from './onnxOpTable.js'
import { int64ToNumber, type OnnxModel, type OnnxNode } from './onnxTypes.js'

export type ImportOnnxOptions = {
  /** The model's short name in the IR (default `"model"`). */
  name?: string
  /** Names the source file in error messages (default: `name`). */
  fileName?: string
  /** Run {@link foldAffine} after lowering (default true). Off only to inspect the raw lowering. */
  fold?: boolean
}
export type ImportOnnxReturnType = ModelIR

/**
 * Imports a decoded ONNX model into glassbox's float IR.
 *
 * Each node goes through the one op table (`ONNX_OP_TABLE`): Gemm and MatMul
 * become dense ops, arithmetic with a constant becomes affine, Relu stays,
 * views (Flatten, Reshape, Identity, Dropout, …) vanish, and any node whose
 * inputs are all constants is evaluated at import. Ops that do not reach the
 * output are dropped, then {@link foldAffine} merges linear neighbours.
 *
 * @param model - a ModelProto from {@link loadOnnx} / {@link decodeOnnx}.
 * @param options - `name` for the IR, `fileName` for messages, `fold`.
 * @returns the IR, e.g. `dense, relu, dense` for a standardized MLP.
 * @throws {UnsupportedOpError} for an op outside the table (names the op, the node and the supported list).
 * @throws {ModelImportError} for unsupported inputs/outputs, shapes that do not fit, or non-constant weights.
 * @example
 * const ir = importOnnx(await loadOnnx('examples/iris/model.onnx'), { name: 'iris' })
 * ir.ops.map((op) => op.kind) // ['dense', 'relu', 'dense']
 */
export function importOnnx(model: OnnxModel, { name = 'model', fileName = name, fold = true }: ImportOnnxOptions = {}): ImportOnnxReturnType {
  const graph = model.graph
  if (!graph) throw new ModelImportError(`${fileName} has no graph.`, { details: 'Re-export the model.' })
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')
  const opsetVersion = int64ToNumber(opset?.version)
  const signature = graphSignature(graph, { fileName })

  const values = new Map<string, Value>()
  for (const init of graph.initializer ?? []) {
    const tensorName = init.name ?? ''
    values.set(tensorName, { kind: 'const', ...decodeTensor(init, `initializer "${tensorName}"`) })
  }
  const { input } = signature
  values.set(input.name, { kind: 'dynamic', tensor: input.name, shape: input.shape })
  const shapes = new Map<string, Shape>([[input.name, input.shape]])
  let ops: Op[] = []

  ;(graph.node ?? []).forEach((node, index) => {
    const ctx = nodeContext(node, index, opsetVersion, fileName, values, (op, shape) => {
      ops.push(op)
      shapes.set(op.output, shape)
    })
    const opType = ctx.opType
    const domain = node.domain ?? ''
    const lowering = !domain || domain === 'ai.onnx' ? (Object.hasOwn(ONNX_OP_TABLE, opType) ? ONNX_OP_TABLE[opType] : undefined) : undefined
    if (!lowering) throw new UnsupportedOpError(domain ? `${domain}.${opType}` : opType, ctx.label, SUPPORTED_OPS)
    lowering(ctx)
  })

  const outName = signature.output.name
  const out = values.get(outName)
  if (!out) throw new ModelImportError(`No node of ${fileName} produces its output "${outName}".`, { details: 'The ONNX file is inconsistent; re-export it.' })
  if (out.kind === 'const') {
    throw new ModelImportError(`The output "${outName}" of ${fileName} does not depend on its input "${input.name}".`, {
      details: 'A constant model needs no proof; check that the export traced the right computation.',
    })
  }
  checkDeclaredShape(fileName, outName, out.shape, signature.output.declaredShape)

  ops = pruneDeadOps(ops, out.tensor)
  // When the output is a view of an op's result, that op now writes the output's name and shape.
  const last = ops.find((op) => op.output === out.tensor)
  if (last) last.output = outName
  const outputName = last ? outName : out.tensor
  shapes.set(outputName, out.shape)

  const tensors: Record<string, Shape> = {}
  for (const op of ops) for (const t of [op.input, op.output]) tensors[t] = shapes.get(t) ?? []
  tensors[input.name] = input.shape
  tensors[outputName] = out.shape
  const ir: ModelIR = {
    name,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsetVersion,
    input: { name: input.name, shape: input.shape },
    output: { name: outputName, shape: out.shape },
    tensors,
    ops,
  }
  return fold ? foldAffine(ir) : ir
}

function nodeContext(
  node: OnnxNode,
  index: number,
  opsetVersion: number,
  fileName: string,
  values: Map<string, Value>,
  pushOp: (op: Op, shape: Shape) => void,
): LoweringContext {
  const opType = node.opType ?? ''
  const label = node.name || `#${index} (${opType})`
  // Annotated (not inferred) so that TypeScript narrows after calls to it.
  const fail: (problem: string, details?: string) => never = (problem, details) => {
    throw new ModelImportError(`${opType} node "${label}" cannot be imported: ${problem}`, {
      details: details ?? `In ${fileName}. Re-export the model so that this node fits glassbox's op set (${SUPPORTED_OPS.join(', ')}).`,
    })
  }
  const attribute = (attrName: string) => (node.attribute ?? []).find((a) => a.name === attrName)
  const setOutput = (i: number, value: Value) => {
    const outName = node.output?.[i]
    if (!outName) return
    if (values.has(outName)) fail(`its output "${outName}" is already produced by an earlier node (the graph is not in SSA form).`)
    values.set(outName, value)
  }
  const optionalInput = (i: number): Value | undefined => {
    const inName = node.input?.[i]
    if (!inName) return undefined
    return values.get(inName) ?? fail(`it reads "${inName}", which no earlier node produces (nodes out of order, or produced by an unsupported output).`)
  }
  const input = (i: number): Value => optionalInput(i) ?? fail(`its input ${i} is missing.`)
  return {
    node,
    opType,
    label,
    opsetVersion,
    input,
    optionalInput,
    constInput(i, role) {
      const value = input(i)
      if (value.kind !== 'const') {
        fail(`its input ${role} ("${node.input?.[i]}") is computed from the model input; glassbox needs it to be a constant.`)
      }
      return value
    },
    attrInt: (attrName, fallback) => {
      const a = attribute(attrName)
      return a ? int64ToNumber(a.i) : fallback
    },
    attrFloat: (attrName, fallback) => attribute(attrName)?.f ?? fallback,
    attrInts: (attrName) => attribute(attrName)?.ints?.map((v) => int64ToNumber(v)),
    attribute,
    setConst: (i, dims, data) => setOutput(i, { kind: 'const', dims, data }),
    setView: (i, value, shape) =>
      setOutput(i, value.kind === 'const' ? { kind: 'const', dims: shape, data: value.data } : { kind: 'dynamic', tensor: value.tensor, shape }),
    emit(body, shape) {
      const output = node.output?.[0] || fail('it has no output name.')
      pushOp({ ...body, name: node.name || `${opType}_${index}`, output } as Op, shape)
      setOutput(0, { kind: 'dynamic', tensor: output, shape })
    },
    fail,
  }
}

/** Keeps only ops whose results reach `output` (a chain: walk it backwards). */
function pruneDeadOps(ops: Op[], output: string): Op[] {
  const needed = new Set([output])
  const kept: Op[] = []
  for (const op of [...ops].reverse()) {
    if (!needed.has(op.output)) continue
    needed.add(op.input)
    kept.unshift(op)
  }
  return kept
}

function checkDeclaredShape(fileName: string, outName: string, shape: Shape, declared: (number | undefined)[] | undefined): void {
  if (!declared || declared.length === 0 || declared.some((d) => d === undefined)) return
  const size = sizeOf(declared as number[])
  if (size !== sizeOf(shape)) {
    throw new ModelImportError(`The output "${outName}" of ${fileName} is declared as ${formatShape(declared as number[])}, but its nodes compute ${formatShape(shape)}.`, {
      details: 'The ONNX file is inconsistent; re-export it (and run onnx.checker.check_model on it).',
    })
  }
}
