import onnxProto from 'onnx-proto'
import { ModelImportError } from '../errors.js'
import { int64ToNumber, type OnnxTensor } from './onnxTypes.js'

const { DataType, DataLocation } = onnxProto.onnx.TensorProto

/** A constant tensor known at import time: its dims and its values as float64, row-major. */
export type ConstTensor = { dims: number[]; data: Float64Array }

/** Bytes per element and a little-endian reader for each numeric type that may be stored in raw_data. */
const RAW_READERS: Partial<Record<number, [number, (view: DataView, offset: number) => number]>> = {
  [DataType.FLOAT]: [4, (v, o) => v.getFloat32(o, true)],
  [DataType.DOUBLE]: [8, (v, o) => v.getFloat64(o, true)],
  [DataType.INT64]: [8, (v, o) => Number(v.getBigInt64(o, true))],
  [DataType.UINT64]: [8, (v, o) => Number(v.getBigUint64(o, true))],
  [DataType.INT32]: [4, (v, o) => v.getInt32(o, true)],
  [DataType.UINT32]: [4, (v, o) => v.getUint32(o, true)],
  [DataType.INT16]: [2, (v, o) => v.getInt16(o, true)],
  [DataType.UINT16]: [2, (v, o) => v.getUint16(o, true)],
  [DataType.INT8]: [1, (v, o) => v.getInt8(o)],
  [DataType.UINT8]: [1, (v, o) => v.getUint8(o)],
  [DataType.BOOL]: [1, (v, o) => v.getUint8(o)],
}

/**
 * Decodes an ONNX TensorProto (an initializer or a Constant's value) into float64 values.
 *
 * Values may sit in `raw_data` (little-endian) or in the typed repeated fields
 * (`float_data`, `double_data`, `int32_data`, `int64_data` as numbers or Longs, `uint64_data`).
 *
 * @param tensor - the TensorProto.
 * @param where - names the tensor's place in the model for error messages, e.g. `initializer "fc1.weight"`.
 * @returns dims and row-major float64 data.
 * @throws {ModelImportError} for external data, unsupported element types, or a data length that does not match the dims.
 * @example
 * const { dims, data } = decodeTensor(model.graph.initializer[0], 'initializer "fc1.weight"')
 */
export function decodeTensor(tensor: OnnxTensor, where: string): ConstTensor {
  const dims = (tensor.dims ?? []).map((d) => int64ToNumber(d))
  const size = dims.reduce((a, b) => a * b, 1)
  const type = tensor.dataType ?? DataType.UNDEFINED
  if (tensor.dataLocation === DataLocation.EXTERNAL) {
    throw new ModelImportError(`The ${where} stores its data in an external file.`, {
      details: 'glassbox reads single-file models only. Re-export the model with all tensors embedded (onnx.save(model, path, save_as_external_data=False)).',
    })
  }
  const data = readValues(tensor, type, where)
  if (data.length !== size) {
    throw new ModelImportError(`The ${where} has ${data.length} values but its dims [${dims.join(', ')}] need ${size}.`, {
      details: 'The ONNX file is inconsistent; re-export it.',
    })
  }
  return { dims, data }
}

function readValues(tensor: OnnxTensor, type: number, where: string): Float64Array {
  const raw = tensor.rawData
  if (raw && raw.length > 0) {
    const reader = RAW_READERS[type]
    if (!reader) throw unsupportedType(type, where)
    const [width, read] = reader
    if (raw.length % width !== 0) {
      throw new ModelImportError(`The ${where} has ${raw.length} raw bytes, not a multiple of ${width}.`, {
        details: 'The ONNX file is truncated or corrupt; re-export it.',
      })
    }
    // protobufjs may hand out a view into the whole file buffer: honour its byteOffset.
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const out = new Float64Array(raw.length / width)
    for (let i = 0; i < out.length; i++) out[i] = read(view, i * width)
    return out
  }
  switch (type) {
    case DataType.FLOAT:
      return Float64Array.from(tensor.floatData ?? [])
    case DataType.DOUBLE:
      return Float64Array.from(tensor.doubleData ?? [])
    case DataType.INT64:
      return Float64Array.from(tensor.int64Data ?? [], (v) => int64ToNumber(v))
    case DataType.UINT64:
      return Float64Array.from(tensor.uint64Data ?? [], (v) => int64ToNumber(v))
    case DataType.UINT32:
      // ONNX stores uint32 in uint64_data.
      return Float64Array.from(tensor.uint64Data ?? [], (v) => int64ToNumber(v))
    case DataType.INT32:
    case DataType.INT16:
    case DataType.UINT16:
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL:
      return Float64Array.from(tensor.int32Data ?? [])
    default:
      throw unsupportedType(type, where)
  }
}

function unsupportedType(type: number, where: string): ModelImportError {
  const typeName = DataType[type] ?? String(type)
  return new ModelImportError(`The ${where} has element type ${typeName}, which glassbox does not read.`, {
    details: 'Supported: FLOAT, DOUBLE and integer types. Convert the model to float32 (e.g. onnxconverter-common float16 → float32) and re-export.',
  })
}
