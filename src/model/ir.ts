/**
 * glassbox's float graph IR: a straight chain of ops over named tensors.
 *
 * The op set is closed and small on purpose; ONNX ops are lowered onto it by
 * the import table (`importOnnx.ts`) and views (Reshape, Flatten, Identity,
 * Dropout) disappear at import, because every tensor is stored flattened
 * row-major and a view changes nothing but its shape.
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

export type Op = DenseOp | ReluOp | AffineOp
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
  /** Topologically ordered; each op reads the output of an earlier op or the model input. */
  ops: Op[]
}

export function shapeSize(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1)
}
