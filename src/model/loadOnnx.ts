import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import onnxProto from 'onnx-proto'
import { ModelImportError } from '../errors.js'
import { int64ToNumber, type OnnxModel } from './onnxTypes.js'

const { onnx } = onnxProto

export type DecodeOnnxOptions = {
  /** Names the file in error messages. */
  fileName?: string
}
/** The decoded model (an onnx-proto ModelProto, typed structurally: see onnxTypes.ts). */
export type DecodeOnnxReturnType = OnnxModel

const REEXPORT_HINT =
  'Check the path, then re-export the model from its framework into a single .onnx file (e.g. torch.onnx.export(model, example, "model.onnx") or skl2onnx.to_onnx) and pass that file.'

/**
 * Decodes the bytes of an `.onnx` file into an ONNX ModelProto and checks that
 * it really is one.
 *
 * protobuf decodes many byte strings "successfully" (an unknown-field-only
 * message is valid protobuf), so a decoded message counts as an ONNX model only
 * if it has an IR version, an operator set import and a graph with nodes.
 *
 * @param bytes - the file contents.
 * @param options - `fileName` names the file in error messages.
 * @returns the decoded ModelProto.
 * @throws {ModelImportError} when the bytes are empty, truncated, not protobuf, or not an ONNX model.
 * @example
 * const model = decodeOnnx(await readFile('model.onnx'), { fileName: 'model.onnx' })
 */
export function decodeOnnx(bytes: Uint8Array, { fileName = '<bytes>' }: DecodeOnnxOptions = {}): DecodeOnnxReturnType {
  const invalid = (why: string, cause?: unknown): ModelImportError =>
    new ModelImportError(`"${fileName}" is not a valid ONNX model: ${why}.`, { details: REEXPORT_HINT, cause })

  if (bytes.length === 0) throw invalid('the file is empty')
  let model: onnxProto.onnx.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw invalid(`it cannot be decoded as an ONNX protobuf (${reason}; truncated or not an ONNX file?)`, cause)
  }
  if (int64ToNumber(model.irVersion) <= 0) throw invalid('it has no ir_version')
  if (!model.opsetImport || model.opsetImport.length === 0) throw invalid('it declares no operator set (opset_import)')
  if (!model.graph) throw invalid('it has no graph')
  if (!model.graph.node || model.graph.node.length === 0) {
    throw new ModelImportError(`The ONNX model "${fileName}" has a graph without nodes.`, {
      details: 'There is nothing to compile. Re-export the model with its layers, not just its weights.',
    })
  }
  return model
}

export type LoadOnnxOptions = DecodeOnnxOptions

/**
 * Reads an `.onnx` file and decodes it with {@link decodeOnnx}.
 *
 * @param path - the `.onnx` file.
 * @param options - `fileName` overrides the name used in error messages (default: the file's base name).
 * @returns the decoded ModelProto.
 * @throws {ModelImportError} when the file cannot be read or is not a valid ONNX model.
 * @example
 * const model = await loadOnnx('examples/iris/model.onnx')
 * const ir = importOnnx(model, { name: 'iris' })
 */
export async function loadOnnx(path: string, { fileName = basename(path) }: LoadOnnxOptions = {}): Promise<DecodeOnnxReturnType> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    throw new ModelImportError(
      code === 'ENOENT' ? `ONNX file "${path}" does not exist.` : `ONNX file "${path}" cannot be read (${code ?? String(cause)}).`,
      { details: 'Pass the path of an exported .onnx model.', cause },
    )
  }
  return decodeOnnx(bytes, { fileName })
}
