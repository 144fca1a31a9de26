/**
 * The one table from ONNX op type (default domain) to its lowering. An op not
 * listed here is outside glassbox's op set and fails with UnsupportedOpError.
 */
import type { Lowering } from './lowering.js'
import { lowerAdd, lowerBatchNormalization, lowerDiv, lowerMul, lowerRelu, lowerSub } from './lowerElementwise.js'
import { lowerGemm, lowerMatMul } from './lowerLinear.js'
import { lowerCast, lowerConcat, lowerGather, lowerShape } from './lowerShapeOps.js'
import { lowerConstant, lowerFlatten, lowerIdentity, lowerReshape, lowerSqueeze, lowerUnsqueeze } from './lowerViews.js'

export const ONNX_OP_TABLE: Readonly<Record<string, Lowering>> = {
  // → dense
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  // → affine (folded into a neighbouring dense where possible)
  Add: lowerAdd,
  Sub: lowerSub,
  Mul: lowerMul,
  Div: lowerDiv,
  BatchNormalization: lowerBatchNormalization,
  // → relu
  Relu: lowerRelu,
  // → views (no op)
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Identity: lowerIdentity,
  Dropout: lowerIdentity,
  Squeeze: lowerSqueeze,
  Unsqueeze: lowerUnsqueeze,
  Cast: lowerCast,
  // → import-time constants
  Constant: lowerConstant,
  Shape: lowerShape,
  Gather: lowerGather,
  Concat: lowerConcat,
}

/** The ONNX op types glassbox imports. */
export const SUPPORTED_OPS: readonly string[] = Object.freeze(Object.keys(ONNX_OP_TABLE))
