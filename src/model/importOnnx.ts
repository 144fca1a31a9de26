import { ModelImportError, UnsupportedOpError } from '../errors.js'
import { decodeTensor } from './decodeTensor.js'
import { dropFinalSoftmax } from './dropFinalSoftmax.js'
import { foldAffine } from './foldAffine.js'
import { fuseOnnxPatterns } from './fuseOnnxPatterns.js'
import { graphSignature } from './graphSignature.js'
import { isMultiInput, opInputs, type ModelIR, type Op, type Shape } from './ir.js'
import { formatShape, sizeOf, type Value } from './lowering.js'
import { createLoweringContext, type ImportState } from './loweringContext.js'
import { ONNX_OP_TABLE, SUPPORTED_OPS } from './onnxOpTable.js'
import { int64ToNumber, type OnnxModel } from './onnxTypes.js'

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
 * Each node goes through the one op table (`ONNX_OP_TABLE`, see its header
 * for the full lowering table): Gemm and MatMul become dense ops, Conv and
 * the average pools conv ops, arithmetic with a constant and
 * BatchNormalization affine ops, activations their own ops, views (Flatten,
 * Reshape, Identity, Dropout, …) vanish, a final Softmax is dropped
 * (recorded in `droppedOutputOps`), and any node whose inputs are all
 * constants is evaluated at import. The result is a topologically ordered
 * DAG (branches join only at concat); ops that do not reach the output are
 * dropped, then {@link foldAffine} merges linear neighbours (BatchNorm into
 * conv, zero Pads into conv windows, …).
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
  if (!model.graph) throw new ModelImportError(`${fileName} has no graph.`, { details: 'Re-export the model.' })
  // Decomposed LayerNorm and GELU become one node each before lowering.
  const { graph } = fuseOnnxPatterns(model.graph)
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
  const unavailable = new Map<string, string>()
  const emitted: Op[] = []
  const state: ImportState = {
    opsetVersion,
    fileName,
    values,
    unavailable,
    pushOp(op: Op, shape: Shape) {
      emitted.push(op)
      shapes.set(op.output, shape)
    },
  }

  ;(graph.node ?? []).forEach((node, index) => {
    const ctx = createLoweringContext(node, index, state)
    const opType = ctx.opType
    const domain = node.domain ?? ''
    const lowering = !domain || domain === 'ai.onnx' ? (Object.hasOwn(ONNX_OP_TABLE, opType) ? ONNX_OP_TABLE[opType] : undefined) : undefined
    if (!lowering) throw new UnsupportedOpError(domain ? `${domain}.${opType}` : opType, ctx.label, SUPPORTED_OPS)
    lowering(ctx)
  })

  const outName = signature.output.name
  const out = values.get(outName)
  if (!out) {
    const why = unavailable.get(outName)
    throw new ModelImportError(why ? `The output "${outName}" of ${fileName} is ${why}` : `No node of ${fileName} produces its output "${outName}".`, {
      details: 'The ONNX file is inconsistent, or its output is not one glassbox computes; re-export it with the logits as the only output.',
    })
  }
  if (out.kind === 'const') {
    throw new ModelImportError(`The output "${outName}" of ${fileName} does not depend on its input "${input.name}".`, {
      details: 'A constant model needs no proof; check that the export traced the right computation.',
    })
  }
  checkDeclaredShape(fileName, outName, out.shape, signature.output.declaredShape)
  const logits = dropFinalSoftmax({ ops: emitted, output: out.tensor, shape: out.shape })
  if (logits) {
    out.tensor = logits.output
    out.dropped = [{ opType: 'Softmax', node: '' }, ...(out.dropped ?? [])]
  }

  const ops = pruneDeadOps(emitted, out.tensor)
  // When the output is a view of an op's result, that op now writes the output's name and shape.
  const last = ops.find((op) => op.output === out.tensor)
  const outputName = last ? outName : out.tensor
  if (last) renameTensor(ops, out.tensor, outName)
  shapes.set(outputName, out.shape)

  const tensors: Record<string, Shape> = {}
  for (const op of ops) for (const t of [...opInputs(op), op.output]) tensors[t] = shapes.get(t) ?? []
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
    ...(out.dropped ? { droppedOutputOps: out.dropped.map((d) => d.opType) } : {}),
  }
  return fold ? foldAffine(ir) : ir
}

/** Keeps only ops whose results reach `output` (walks the DAG backwards; order is kept). */
function pruneDeadOps(ops: Op[], output: string): Op[] {
  const needed = new Set([output])
  const kept: Op[] = []
  for (const op of [...ops].reverse()) {
    if (!needed.has(op.output)) continue
    for (const t of opInputs(op)) needed.add(t)
    kept.unshift(op)
  }
  return kept
}

/** Renames a tensor where ops write and read it. */
function renameTensor(ops: Op[], from: string, to: string): void {
  for (const op of ops) {
    if (op.output === from) op.output = to
    if (isMultiInput(op)) Object.assign(op, { inputs: op.inputs.map((t) => (t === from ? to : t)) })
    else if (op.input === from) op.input = to
  }
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
