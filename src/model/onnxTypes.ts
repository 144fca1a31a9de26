/**
 * Types shared by the ONNX import files. protobufjs decodes int64 fields as
 * `Long` objects when the `long` package is installed (it is, through
 * protobufjs) and as plain numbers otherwise, so every int64 read goes
 * through {@link int64ToNumber}.
 */
import onnxProto from 'onnx-proto'

export type OnnxModel = onnxProto.onnx.IModelProto
export type OnnxGraph = onnxProto.onnx.IGraphProto
export type OnnxNode = onnxProto.onnx.INodeProto
export type OnnxTensor = onnxProto.onnx.ITensorProto
export type OnnxAttribute = onnxProto.onnx.IAttributeProto

/** An int64 as protobufjs hands it over: a number, a Long, or absent. */
export type Int64Like = number | { toNumber(): number } | null | undefined

/** Converts a protobufjs int64 (number or Long) to a number; absent becomes `fallback`. */
export function int64ToNumber(value: Int64Like, fallback = 0): number {
  if (value === null || value === undefined) return fallback
  return typeof value === 'number' ? value : value.toNumber()
}
