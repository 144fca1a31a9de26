import { ModelImportError } from '../errors.js'
import { int64ToNumber, type OnnxGraph } from './onnxTypes.js'

export type GraphSignatureOptions = { fileName?: string }
export type GraphSignatureReturnType = {
  /** The one graph input that is not an initializer, with dynamic batch dims set to 1. */
  input: { name: string; shape: number[] }
  /** The one graph output; `declaredShape` has `undefined` for dynamic dims, or is absent if undeclared. */
  output: { name: string; declaredShape: (number | undefined)[] | undefined }
}

/**
 * Finds a graph's single data input (graph inputs that are also initializers
 * are weights, as older exporters list them) and its single output.
 *
 * A dynamic first dimension (a `dim_param` or 0) is the batch and becomes 1:
 * glassbox proves one inference at a time.
 *
 * @param graph - the ONNX graph.
 * @param options - `fileName` names the model in error messages.
 * @returns the input's name and static shape, and the output's name and declared shape.
 * @throws {ModelImportError} for several inputs or outputs, a non-float input, or a dynamic non-batch dimension.
 * @example
 * const { input } = graphSignature(model.graph!) // { name: 'input', shape: [1, 4] }
 */
export function graphSignature(graph: OnnxGraph, { fileName = 'the model' }: GraphSignatureOptions = {}): GraphSignatureReturnType {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name ?? ''))
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''))
  const outputs = graph.output ?? []
  if (inputs.length !== 1) {
    throw new ModelImportError(`${fileName} has ${inputs.length} graph inputs (${inputs.map((i) => `"${i.name}"`).join(', ') || 'none'}); glassbox supports exactly one.`, {
      details: 'Export the model with a single input tensor (concatenate features into one input before export).',
    })
  }
  if (outputs.length !== 1) {
    throw new ModelImportError(`${fileName} has ${outputs.length} graph outputs (${outputs.map((o) => `"${o.name}"`).join(', ') || 'none'}); glassbox supports exactly one.`, {
      details: 'Export the model with a single output tensor (e.g. the logits; drop extra outputs such as probabilities or labels).',
    })
  }
  const input = inputs[0]!
  const name = input.name ?? ''
  const tensorType = input.type?.tensorType
  if (!tensorType || !tensorType.shape) {
    throw new ModelImportError(`The input "${name}" of ${fileName} has no tensor shape.`, {
      details: 'Re-export the model with a declared input shape (e.g. pass an example input of the right shape to torch.onnx.export).',
    })
  }
  // FLOAT (1) and DOUBLE (11): glassbox inputs are real-valued features.
  if (tensorType.elemType !== 1 && tensorType.elemType !== 11) {
    throw new ModelImportError(`The input "${name}" of ${fileName} has element type ${tensorType.elemType}; glassbox supports float inputs only.`, {
      details: 'Re-export the model with a float32 input.',
    })
  }
  const dims = readDims(tensorType.shape.dim ?? [])
  const shape = dims.map((d, i) => {
    if (d !== undefined) return d
    if (i === 0) return 1
    throw new ModelImportError(`Dimension ${i} of the input "${name}" of ${fileName} is dynamic; only the first (batch) dimension may be.`, {
      details: 'Re-export the model with a fixed input shape (no dynamic_axes except the batch).',
    })
  })
  const output = outputs[0]!
  const outShape = output.type?.tensorType?.shape
  return {
    input: { name, shape },
    output: { name: output.name ?? '', declaredShape: outShape ? readDims(outShape.dim ?? []) : undefined },
  }
}

type Dim = { dimValue?: number | { toNumber(): number } | null; dimParam?: string | null }

function readDims(dims: readonly Dim[]): (number | undefined)[] {
  return dims.map((d) => {
    const value = int64ToNumber(d.dimValue)
    return d.dimParam || value <= 0 ? undefined : value
  })
}
