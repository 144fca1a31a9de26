import { ModelImportError } from '../errors.js'
import { applyOp } from './applyOp.js'
import type { Op, Shape } from './ir.js'
import { formatShape, sizeOf, type DynamicValue, type LoweringContext, type Value } from './lowering.js'
import { SUPPORTED_OPS } from './onnxOpTable.js'
import { int64ToNumber, type OnnxNode } from './onnxTypes.js'

/** What the importer shares with every node's context. */
export type ImportState = {
  opsetVersion: number
  fileName: string
  /** Every ONNX tensor name seen so far → its value. */
  values: Map<string, Value>
  /** ONNX tensor names that exist but must not be read → why. */
  unavailable: Map<string, string>
  /** Appends an IR op (in node order, so the ops stay topologically sorted). */
  pushOp(op: Op, shape: Shape): void
}

/**
 * The {@link LoweringContext} for one ONNX node: reads its inputs and
 * attributes, records its outputs, and names it in every error.
 *
 * @param node - the node.
 * @param index - its position in the graph (names unnamed nodes).
 * @param state - the importer's shared state.
 * @returns the context its lowering runs with.
 */
export function createLoweringContext(node: OnnxNode, index: number, state: ImportState): LoweringContext {
  const { opsetVersion, fileName, values, unavailable } = state
  const opType = node.opType ?? ''
  const label = node.name || `#${index} (${opType})`
  const opName = node.name || `${opType}_${index}`
  // Annotated (not inferred) so that TypeScript narrows after calls to it.
  const fail: (problem: string, details?: string) => never = (problem, details) => {
    throw new ModelImportError(`${opType} node "${label}" cannot be imported: ${problem}`, {
      details: details ?? `In ${fileName}. Re-export the model so that this node fits glassbox's op set (${SUPPORTED_OPS.join(', ')}).`,
    })
  }
  const attribute = (attrName: string) => (node.attribute ?? []).find((a) => a.name === attrName)
  const outputName = (i: number) => node.output?.[i] || fail(`it has no output ${i}.`)
  const setOutput = (i: number, value: Value) => {
    const outName = node.output?.[i]
    if (!outName) return
    if (values.has(outName) || unavailable.has(outName)) fail(`its output "${outName}" is already produced by an earlier node (the graph is not in SSA form).`)
    values.set(outName, value)
  }
  const optionalInput = (i: number): Value | undefined => {
    const inName = node.input?.[i]
    if (!inName) return undefined
    const why = unavailable.get(inName)
    if (why) fail(`it reads "${inName}", ${why}`)
    return values.get(inName) ?? fail(`it reads "${inName}", which no earlier node produces (nodes out of order, or produced by an unsupported output).`)
  }
  const input = (i: number): Value => optionalInput(i) ?? fail(`its input ${i} is missing.`)
  const checkNotDropped = (x: DynamicValue) => {
    if (x.dropped) {
      const what = x.dropped.map((d) => `${d.opType} node "${d.node}"`).join(' → ')
      fail(
        `it reads the output of ${what}; glassbox supports ${x.dropped.map((d) => d.opType).join('/')} only as the model's last op (where it is dropped and the logits become the output).`,
        `In ${fileName}. Remove it from the middle of the model, or make it the last op.`,
      )
    }
  }
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
    attrString: (attrName, fallback) => {
      const bytes = attribute(attrName)?.s
      return bytes && bytes.length > 0 ? new TextDecoder().decode(bytes) : fallback
    },
    attribute,
    setConst: (i, dims, data) => setOutput(i, { kind: 'const', dims, data }),
    setView: (i, value, shape) =>
      setOutput(
        i,
        value.kind === 'const' ? { kind: 'const', dims: shape, data: value.data } : { kind: 'dynamic', tensor: value.tensor, shape, ...(value.dropped ? { dropped: value.dropped } : {}) },
      ),
    setDropped: (value) => setOutput(0, { ...value, dropped: [...(value.dropped ?? []), { opType, node: label }] }),
    setUnavailable(i, reason) {
      const outName = node.output?.[i]
      if (outName) unavailable.set(outName, reason)
    },
    apply(x, body, shape, { step } = {}) {
      const output = step ? `${outputName(0)}#${step}` : outputName(0)
      const op = { ...body, name: step ? `${opName}/${step}` : opName, input: x.kind === 'dynamic' ? x.tensor : output, output } as Op
      let value: Value
      if (x.kind === 'const') {
        const data = applyOp(op, [x.data])
        if (data.length !== sizeOf(shape)) fail(`it computes ${data.length} values for the shape ${formatShape(shape)}.`)
        value = { kind: 'const', dims: shape, data }
      } else {
        checkNotDropped(x)
        if (values.has(output)) fail(`its intermediate tensor "${output}" clashes with a tensor of the model.`)
        state.pushOp(op, shape)
        value = { kind: 'dynamic', tensor: output, shape }
      }
      if (!step) setOutput(0, value)
      return value
    },
    emitConcat(xs, source, shape) {
      xs.forEach(checkNotDropped)
      const output = outputName(0)
      state.pushOp({ kind: 'concat', name: opName, inputs: xs.map((x) => x.tensor), output, source }, shape)
      setOutput(0, { kind: 'dynamic', tensor: output, shape })
    },
    emitMulti(xs, body, shape) {
      xs.forEach(checkNotDropped)
      const output = outputName(0)
      state.pushOp({ ...body, name: opName, inputs: xs.map((x) => x.tensor), output } as Op, shape)
      setOutput(0, { kind: 'dynamic', tensor: output, shape })
    },
    fail,
  }
}
