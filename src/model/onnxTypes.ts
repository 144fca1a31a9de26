/**
 * Types shared by the ONNX import files. protobufjs decodes int64 fields as
 * `Long` objects when the `long` package is installed (it is, through
 * protobufjs) and as plain numbers otherwise, so every int64 read goes
 * through {@link int64ToNumber}.
 */
// These are structural copies of the onnx-proto (protobufjs) message
// interfaces, limited to the fields glassbox reads. They are part of the public
// types (loadOnnx, importOnnx), and onnx-proto's own .d.ts does not compile in a
// strict consumer (it names protobufjs's global `Long`), so the public types
// must not import it. A decoded onnx-proto ModelProto is assignable to OnnxModel.

/** An ONNX `ModelProto` as decoded by onnx-proto. */
export type OnnxModel = {
  irVersion?: Int64Like
  opsetImport?: OnnxOperatorSetId[] | null
  producerName?: string | null
  producerVersion?: string | null
  domain?: string | null
  modelVersion?: Int64Like
  docString?: string | null
  graph?: OnnxGraph | null
}

/** `OperatorSetIdProto`: an opset import. */
export type OnnxOperatorSetId = { domain?: string | null; version?: Int64Like }

/** `GraphProto`. */
export type OnnxGraph = {
  node?: OnnxNode[] | null
  name?: string | null
  initializer?: OnnxTensor[] | null
  docString?: string | null
  input?: OnnxValueInfo[] | null
  output?: OnnxValueInfo[] | null
  valueInfo?: OnnxValueInfo[] | null
}

/** `NodeProto`. */
export type OnnxNode = {
  input?: string[] | null
  output?: string[] | null
  name?: string | null
  opType?: string | null
  domain?: string | null
  attribute?: OnnxAttribute[] | null
  docString?: string | null
}

/** `StringStringEntryProto` (external data locations, metadata). */
export type OnnxStringEntry = { key?: string | null; value?: string | null }

/** `TensorProto`: an initializer or a constant. `dataType` and `dataLocation` are the ONNX enum numbers. */
export type OnnxTensor = {
  dims?: Int64Like[] | null
  dataType?: number | null
  floatData?: number[] | null
  int32Data?: number[] | null
  stringData?: Uint8Array[] | null
  int64Data?: Int64Like[] | null
  name?: string | null
  docString?: string | null
  rawData?: Uint8Array | null
  externalData?: OnnxStringEntry[] | null
  dataLocation?: number | null
  doubleData?: number[] | null
  uint64Data?: Int64Like[] | null
}

/** `AttributeProto`. `type` is the ONNX AttributeType enum number. */
export type OnnxAttribute = {
  name?: string | null
  refAttrName?: string | null
  docString?: string | null
  type?: number | null
  f?: number | null
  i?: Int64Like
  s?: Uint8Array | null
  t?: OnnxTensor | null
  g?: OnnxGraph | null
  floats?: number[] | null
  ints?: Int64Like[] | null
  strings?: Uint8Array[] | null
  tensors?: OnnxTensor[] | null
  graphs?: OnnxGraph[] | null
}

/** `ValueInfoProto`: a graph input, output or annotated intermediate. */
export type OnnxValueInfo = { name?: string | null; type?: OnnxType | null; docString?: string | null }

/** `TypeProto` (tensor types only: glassbox reads nothing else). */
export type OnnxType = { tensorType?: { elemType?: number | null; shape?: OnnxTensorShape | null } | null; denotation?: string | null }

/** `TensorShapeProto`. */
export type OnnxTensorShape = { dim?: { dimValue?: Int64Like; dimParam?: string | null; denotation?: string | null }[] | null }

/** An int64 as protobufjs hands it over: a number, a Long, or absent. */
export type Int64Like = number | { toNumber(): number } | null | undefined

/** Converts a protobufjs int64 (number or Long) to a number; absent becomes `fallback`. */
export function int64ToNumber(value: Int64Like, fallback = 0): number {
  if (value === null || value === undefined) return fallback
  return typeof value === 'number' ? value : value.toNumber()
}
