import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import * as ort from 'onnxruntime-node'
import { InputError, ModelImportError } from '../errors.js'
import { graphSignature } from './graphSignature.js'
import { decodeOnnx } from './loadOnnx.js'

export type OnnxReference = {
  /** The model input's shape as fed (dynamic batch = 1). */
  readonly inputShape: readonly number[]
  /** Runs one inference; `input` is flattened row-major in `inputShape`. */
  run(input: Float32Array | Float64Array | readonly number[]): Promise<Float32Array>
  /** Releases the onnxruntime session. */
  close(): Promise<void>
}

/**
 * Opens an ONNX model in onnxruntime-node (CPU) as the float reference that
 * the IR's {@link evaluateFloat} is checked against.
 *
 * The input shape comes from the model itself through {@link graphSignature},
 * so the feed matches what `importOnnx` assumes (a dynamic batch becomes 1).
 * onnxruntime's graph optimizations are disabled (one of them, PadFusion,
 * changes the result of Pad → MaxPool).
 *
 * @param path - the `.onnx` file.
 * @returns an object with `run(input)` and `close()`.
 * @throws {ModelImportError} when the file is not a valid single-input, single-output model or onnxruntime rejects it.
 * @example
 * const ref = await createOnnxReference('examples/iris/model.onnx')
 * const logits = await ref.run([5.1, 3.5, 1.4, 0.2])
 * await ref.close()
 */
export async function createOnnxReference(path: string): Promise<OnnxReference> {
  const fileName = basename(path)
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new ModelImportError(`ONNX file "${path}" cannot be read.`, { details: 'Pass the path of an exported .onnx model.', cause })
  })
  const model = decodeOnnx(bytes, { fileName })
  const { input, output } = graphSignature(model.graph!, { fileName })
  const size = input.shape.reduce((a, b) => a * b, 1)
  let session: ort.InferenceSession
  try {
    // Graph optimizations off: onnxruntime's PadFusion folds a zero Pad into a
    // following MaxPool as if it padded with −∞, which changes results (ONNX and
    // PyTorch let the zeros win the max). The reference must be the ops' own
    // semantics, so only onnxruntime's kernels run, not its rewrites.
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' })
  } catch (cause) {
    throw new ModelImportError(`onnxruntime cannot load "${fileName}".`, { details: `${(cause as Error).message ?? cause}`, cause })
  }
  return {
    inputShape: input.shape,
    async run(values) {
      if (values.length !== size) {
        throw new InputError(`The input has ${values.length} values; "${fileName}" expects ${size} (shape [${input.shape.join(', ')}]).`)
      }
      const feed = new ort.Tensor('float32', Float32Array.from(values), input.shape)
      const result = await session.run({ [input.name]: feed })
      const tensor = result[output.name]
      if (!tensor) throw new ModelImportError(`onnxruntime returned no output "${output.name}" for "${fileName}".`)
      return Float32Array.from(tensor.data as Float32Array)
    },
    close: () => session.release(),
  }
}
