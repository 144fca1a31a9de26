/**
 * The model stage: ONNX → float IR, the IR's float reference evaluator, and
 * onnxruntime as the reference for the ONNX model itself.
 */
export * from './ir.js'
export { decodeOnnx, loadOnnx, type DecodeOnnxOptions, type DecodeOnnxReturnType, type LoadOnnxOptions } from './loadOnnx.js'
export { importOnnx, type ImportOnnxOptions, type ImportOnnxReturnType } from './importOnnx.js'
export { foldAffine } from './foldAffine.js'
export { evaluateFloat, type EvaluateFloatOptions, type EvaluateFloatReturnType } from './evaluateFloat.js'
export { applyOp } from './applyOp.js'
export { createOnnxReference, type OnnxReference } from './runOnnxReference.js'
export { graphSignature, type GraphSignatureOptions, type GraphSignatureReturnType } from './graphSignature.js'
export { SUPPORTED_OPS } from './onnxOpTable.js'
export type { OnnxModel } from './onnxTypes.js'
export { forEachWindow, forWindow, padSources, type WindowSpec } from './windows.js'
