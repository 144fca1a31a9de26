/**
 * The one table from ONNX op type (default domain) to its lowering. An op not
 * listed here is outside glassbox's op set and fails with UnsupportedOpError.
 *
 * | ONNX                                   | IR                                                         |
 * |----------------------------------------|------------------------------------------------------------|
 * | Gemm, MatMul with a constant operand   | dense (several rows or a batch: block-structured dense)    |
 * | MatMul of two computed tensors         | matmul (batched, broadcast batch dims)                     |
 * | Add/Sub/Mul of two computed tensors    | binary (numpy broadcasting)                                |
 * | ReduceMean, ReduceSum (any axes)       | dense with constant weights 1/count or 1                   |
 * | Slice, Gather (constant indices), Split, Resize/Upsample (nearest) on computed tensors | permute (a gather: wiring) |
 * | Conv                                   | conv (dilation 1, any group)                               |
 * | AveragePool, GlobalAveragePool         | depthwise conv 1/d, or sum conv + affine 1/d per position  |
 * | MaxPool, GlobalMaxPool                 | maxpool                                                    |
 * | Pad (constant 0)                       | pad, folded into a following conv                          |
 * | Add/Sub/Mul/Div by a constant, BatchNormalization | affine, folded into a neighbouring dense/conv   |
 * | Relu; Clip; LeakyRelu; Sigmoid; Tanh   | relu; clip (Clip(0, ∞) → relu); leakyrelu; sigmoid; tanh   |
 * | Softmax (opset < 13 and ≥ 13 axes)     | softmax; a final one over the whole output is dropped      |
 * | LogSoftmax (last op only)              | dropped, listed in `droppedOutputOps`                      |
 * | LayerNormalization; its decomposition (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β) | layernorm |
 * | Gelu; Erf; torch's x·0.5·(1 + erf(x/√2))| gelu; erf; gelu                                           |
 * | Concat                                 | concat (computed inputs) or a constant                     |
 * | Transpose                              | a view if only size-1 dims move, else permute              |
 * | Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout, Cast to float | views              |
 * | Constant, ConstantOfShape, Shape, Gather, Slice | import-time constants                             |
 *
 * Any op whose inputs are all constants is evaluated at import.
 */
import type { Lowering } from './lowering.js'
import { lowerClip, lowerFinalLogSoftmax, lowerLeakyRelu, lowerRelu, lowerSigmoid, lowerTanh } from './lowerActivations.js'
import { lowerConv } from './lowerConv.js'
import { lowerAdd, lowerMul, lowerSub } from './lowerBinary.js'
import { lowerBatchNormalization, lowerDiv } from './lowerElementwise.js'
import { lowerGemm } from './lowerLinear.js'
import { lowerMatMul } from './lowerMatMul.js'
import { lowerReduceMean, lowerReduceSum } from './lowerReduce.js'
import { lowerResize } from './lowerResize.js'
import { lowerGather, lowerSlice, lowerSplit } from './lowerSlicing.js'
import { lowerPad } from './lowerPad.js'
import { lowerAveragePool, lowerGlobalAveragePool, lowerGlobalMaxPool, lowerMaxPool } from './lowerPool.js'
import { lowerCast, lowerConcat, lowerConstantOfShape, lowerShape } from './lowerShapeOps.js'
import { lowerErf, lowerGelu } from './lowerGelu.js'
import { lowerLayerNormalization } from './lowerLayerNorm.js'
import { lowerSoftmax } from './lowerSoftmax.js'
import { lowerConstant, lowerFlatten, lowerIdentity, lowerReshape, lowerSqueeze, lowerTranspose, lowerUnsqueeze } from './lowerViews.js'

export const ONNX_OP_TABLE: Readonly<Record<string, Lowering>> = {
  // → dense
  Gemm: lowerGemm,
  MatMul: lowerMatMul,
  // → conv
  Conv: lowerConv,
  AveragePool: lowerAveragePool,
  GlobalAveragePool: lowerGlobalAveragePool,
  // → maxpool
  MaxPool: lowerMaxPool,
  GlobalMaxPool: lowerGlobalMaxPool,
  // → pad (folded into a following conv)
  Pad: lowerPad,
  // → affine (folded into a neighbouring dense or conv where possible)
  Add: lowerAdd,
  Sub: lowerSub,
  Mul: lowerMul,
  Div: lowerDiv,
  BatchNormalization: lowerBatchNormalization,
  // → activations
  Relu: lowerRelu,
  Clip: lowerClip,
  LeakyRelu: lowerLeakyRelu,
  Sigmoid: lowerSigmoid,
  Tanh: lowerTanh,
  // → softmax (dropped when final over the whole output); LogSoftmax only dropped when final
  Softmax: lowerSoftmax,
  LogSoftmax: lowerFinalLogSoftmax,
  // → layernorm, gelu, erf (fuseOnnxPatterns turns their decompositions into these nodes)
  LayerNormalization: lowerLayerNormalization,
  Gelu: lowerGelu,
  Erf: lowerErf,
  // → concat
  Concat: lowerConcat,
  // → views (no op), or permute
  Transpose: lowerTranspose,
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Identity: lowerIdentity,
  Dropout: lowerIdentity,
  Squeeze: lowerSqueeze,
  Unsqueeze: lowerUnsqueeze,
  Cast: lowerCast,
  // → import-time constants
  Constant: lowerConstant,
  ConstantOfShape: lowerConstantOfShape,
  Shape: lowerShape,
  // → dense (linear maps)
  ReduceMean: lowerReduceMean,
  ReduceSum: lowerReduceSum,
  // → permute (wiring) on computed tensors, constants at import
  Gather: lowerGather,
  Slice: lowerSlice,
  Split: lowerSplit,
  Resize: lowerResize,
  Upsample: lowerResize,
}

/** The ONNX op types glassbox imports. */
export const SUPPORTED_OPS: readonly string[] = Object.freeze(Object.keys(ONNX_OP_TABLE))
