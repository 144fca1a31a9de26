/**
 * glassbox's float graph IR: a topologically ordered DAG of ops over named
 * tensors (a chain, except where `concat`, `binary` and `matmul` join branches).
 *
 * The op set is closed and small on purpose; ONNX ops are lowered onto it by
 * the import table (`onnxOpTable.ts`) and views (Reshape, Flatten, Identity,
 * Dropout, Squeeze, Unsqueeze, Transposes that move only size-1 dims)
 * disappear at import, because every tensor is stored flattened row-major
 * (images as NCHW with batch 1) and a view changes nothing but its shape.
 */

export type Shape = readonly number[]

export type TensorInfo = {
  name: string
  /** Full shape including a batch dimension of 1 where the model has one. */
  shape: Shape
}

/** y = W·x + b on the flattened input. `weight` is row-major [outFeatures][inFeatures]. */
export type DenseOp = {
  kind: 'dense'
  name: string
  input: string
  output: string
  inFeatures: number
  outFeatures: number
  weight: Float64Array
  bias: Float64Array
}

/** y = max(x, 0), elementwise. */
export type ReluOp = {
  kind: 'relu'
  name: string
  input: string
  output: string
}

/**
 * y = x·scale + shift, elementwise, with constants expanded to the tensor's
 * size. Add/Sub/Mul/Div by constants lower to this; the import folds it into a
 * neighbouring dense op whenever one is adjacent.
 */
export type AffineOp = {
  kind: 'affine'
  name: string
  input: string
  output: string
  scale: Float64Array
  shift: Float64Array
}

/** [channels, height, width] of one image (the batch dimension of 1 dropped). */
export type Chw = readonly [number, number, number]

/** [top, left, bottom, right] padding in pixels. */
export type Pads2d = readonly [number, number, number, number]

/**
 * 2-D convolution (cross-correlation, as ONNX Conv), zero padding, dilation 1:
 *
 *   y[m][oh][ow] = bias[m] + Σ_{ci < C/group, i < kh, j < kw} weight[m][ci][i][j] · x[g·C/group + ci][oh·sh − top + i][ow·sw − left + j]
 *
 * with g = ⌊m / (M/group)⌋ and x = 0 outside [0, H) × [0, W). `weight` is
 * row-major [outChannels][inChannels / group][kh][kw]; `group` is 1 (dense),
 * inChannels (depthwise) or any divisor of both. Only `pads[0]` (top) and
 * `pads[1]` (left) shift the windows; bottom/right are implied by `outShape`
 * (outH = ⌊(H + top + bottom − kh)/sh⌋ + 1) and may exceed what ONNX declared
 * when a ceil_mode pool needs windows that run off the end (they read zeros).
 * AveragePool and GlobalAveragePool lower to a depthwise conv with constant
 * weights 1/count when every window has the same divisor, otherwise to a
 * sum conv (weights 1) followed by an `affine` with per-position 1/count;
 * BatchNormalization, constant Mul/Add and a zero Pad before it fold into it.
 */
export type ConvOp = {
  kind: 'conv'
  name: string
  input: string
  output: string
  inShape: Chw
  outShape: Chw
  kernel: readonly [number, number]
  stride: readonly [number, number]
  pads: Pads2d
  group: number
  weight: Float64Array
  bias: Float64Array
}

/**
 * Max pooling over the same windows as {@link ConvOp} (per channel, dilation 1):
 * padded positions are never selected (ONNX semantics; every window holds at
 * least one real value, the importer checks it). As for conv, bottom/right
 * pads may be enlarged beyond ONNX's to express ceil_mode.
 */
export type MaxPoolOp = {
  kind: 'maxpool'
  name: string
  input: string
  output: string
  inShape: Chw
  outShape: Chw
  kernel: readonly [number, number]
  stride: readonly [number, number]
  pads: Pads2d
}

/**
 * Zero padding of an image (free in a circuit: constant wires). Only a Pad
 * the importer cannot fold into a following conv (e.g. before a maxpool,
 * where the zeros can win) stays as this op.
 */
export type PadOp = {
  kind: 'pad'
  name: string
  input: string
  output: string
  inShape: Chw
  outShape: Chw
  pads: Pads2d
}

/**
 * y = min(max(x, min), max), elementwise (Clip, ReLU6 = clip(0, 6)). Either
 * bound may be infinite, never both; Clip(0, +∞) is imported as `relu`.
 */
export type ClipOp = {
  kind: 'clip'
  name: string
  input: string
  output: string
  min: number
  max: number
}

/** y = x for x ≥ 0, alpha·x otherwise. */
export type LeakyReluOp = {
  kind: 'leakyrelu'
  name: string
  input: string
  output: string
  alpha: number
}

/**
 * A smooth activation, evaluated in fixed point as a piecewise-linear
 * approximation (see quantize/piecewiseLinear.ts for the segments and the
 * documented error bound).
 */
export type SmoothActivationOp = {
  kind: 'sigmoid' | 'tanh'
  name: string
  input: string
  output: string
}

/**
 * A gather of the flattened elements by a constant index map: free in a
 * circuit (wiring). A Transpose that moves data is a permutation (output size
 * = input size); Slice, Gather and Split with constant indices and Resize
 * (nearest) on computed tensors select or repeat elements, so the output may
 * be smaller or larger than the input. `source` has one entry per output element.
 */
export type PermuteOp = {
  kind: 'permute'
  name: string
  input: string
  output: string
  /** output[i] = input[source[i]] */
  source: Int32Array
}

/**
 * Concat of computed tensors (branches joining): the only op with several
 * inputs, and the reason the IR is a DAG. The ONNX axis is resolved into an
 * index map, so the op is free in a circuit. Concat with constants is refused
 * at import (all-constant Concats are evaluated there).
 */
export type ConcatOp = {
  kind: 'concat'
  name: string
  inputs: readonly string[]
  output: string
  /**
   * For each output element i, interleaved: `source[2i]` is the index into
   * `inputs`, `source[2i + 1]` the element index (flattened) within that
   * input. Length 2 × output size.
   */
  source: Int32Array
}

/**
 * Softmax along one axis. The flattened tensor is viewed as
 * [outer, axisSize, inner] (row-major): every (o, i) pair is one group of
 * `axisSize` values, `inner` apart, normalized together:
 *   y = exp(x − max) / Σ exp(x − max).
 * ONNX opset ≥ 13 normalizes along `axis` (inner = the product of the dims
 * after it); opset < 13 flattens to 2-D at `axis` (inner = 1, axisSize = the
 * product of the dims from `axis` on). A final Softmax over the whole output
 * is dropped instead (see `droppedOutputOps`).
 */
export type SoftmaxOp = {
  kind: 'softmax'
  name: string
  input: string
  output: string
  axisSize: number
  inner: number
}

/**
 * Layer normalization over the trailing `groupSize` values of each group
 * (ONNX LayerNormalization, axis = the first normalized axis):
 *   y = (x − mean) / √(var + epsilon) · gamma + beta,
 * mean and (population) variance over the group; `gamma` and `beta` are
 * expanded to `groupSize` values.
 */
export type LayerNormOp = {
  kind: 'layernorm'
  name: string
  input: string
  output: string
  groupSize: number
  gamma: Float64Array
  beta: Float64Array
  epsilon: number
}

/**
 * GELU (x·Φ(x), or its tanh approximation when `approximate` is 'tanh', as
 * ONNX Gelu) and the error function, elementwise. Evaluated in fixed point as
 * piecewise-linear approximations with a stated error bound (see
 * quantize/piecewiseLinear.ts).
 */
export type GeluOp = {
  kind: 'gelu'
  name: string
  input: string
  output: string
  approximate: 'none' | 'tanh'
}
export type ErfOp = {
  kind: 'erf'
  name: string
  input: string
  output: string
}

/**
 * y = a ∘ b elementwise for two computed tensors (∘ = +, −, ·), with ONNX
 * (numpy) multidirectional broadcasting: `aShape` and `bShape` broadcast to
 * `outShape` (see broadcast.ts). Residual connections are `add`; arithmetic
 * with a constant operand is an `affine` instead.
 */
export type BinaryOp = {
  kind: 'binary'
  name: string
  op: 'add' | 'sub' | 'mul'
  /** [a, b]; both may name the same tensor (x + x, x · x). */
  inputs: readonly [string, string]
  output: string
  aShape: Shape
  bShape: Shape
  outShape: Shape
}

/**
 * Batched matrix product of two computed tensors (attention's Q·Kᵀ and
 * scores·V), numpy semantics: a is [...batchA, m, k], b is [...batchB, k, n]
 * (1-D operands already promoted by the importer), the batch dims broadcast to
 * `batch` and the output is [...batch, m, n] flattened row-major. A product
 * with a constant operand is a `dense` instead.
 */
export type MatMulOp = {
  kind: 'matmul'
  name: string
  inputs: readonly [string, string]
  output: string
  aBatch: Shape
  bBatch: Shape
  batch: Shape
  m: number
  k: number
  n: number
}

export type Op =
  | DenseOp
  | ReluOp
  | AffineOp
  | ConvOp
  | MaxPoolOp
  | PadOp
  | ClipOp
  | LeakyReluOp
  | SmoothActivationOp
  | PermuteOp
  | ConcatOp
  | SoftmaxOp
  | LayerNormOp
  | GeluOp
  | ErfOp
  | BinaryOp
  | MatMulOp
export type OpKind = Op['kind']

export type ModelIR = {
  /** A short name for the model, e.g. the ONNX file's base name. */
  name: string
  producer: string
  opsetVersion: number
  input: TensorInfo
  output: TensorInfo
  /** Shapes of every tensor named by an op (after views are resolved). */
  tensors: Record<string, Shape>
  /** Topologically ordered; each op reads the outputs of earlier ops or the model input. */
  ops: Op[]
  /**
   * ONNX op types removed from the end of the graph, in graph order (e.g.
   * `['Softmax']`): the IR output is their input, the logits. They are
   * monotone over the whole output, so its argmax is unchanged; absent when
   * nothing was dropped. The manifest reports it.
   */
  droppedOutputOps?: string[]
}

/** An op that reads several tensors (`inputs`); every other op reads one (`input`). */
export type MultiInputOp = Extract<Op, { inputs: readonly string[] }>
export type SingleInputOp = Exclude<Op, MultiInputOp>

/** Whether the op reads several tensors (concat, binary, matmul). */
export function isMultiInput(op: Op): op is MultiInputOp {
  return 'inputs' in op
}

/** The tensors an op reads, in order: `inputs` for multi-input ops, `[input]` for every other op. */
export function opInputs(op: Op): readonly string[] {
  return isMultiInput(op) ? op.inputs : [op.input]
}

export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1)
}
