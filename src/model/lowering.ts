/**
 * The contract between `importOnnx` and the per-op lowering functions of the
 * ONNX op table: what a lowering can read (inputs, attributes) and how it
 * states its results (a constant, a view of a computed tensor, or an IR op).
 */
import type { MultiInputOp, SingleInputOp } from './ir.js'
import type { OnnxAttribute, OnnxNode } from './onnxTypes.js'

/** A tensor whose values are known at import time (initializers, Constant nodes, folded sub-graphs). */
export type ConstValue = { kind: 'const'; dims: number[]; data: Float64Array }

/**
 * A tensor computed from the model input. `tensor` names the IR tensor that
 * holds its values; views share the IR tensor and differ only in `shape`.
 * `dropped` lists ops (e.g. a final Softmax) that were skipped on the way, so
 * the value may only flow through views to the graph output.
 */
export type DynamicValue = { kind: 'dynamic'; tensor: string; shape: number[]; dropped?: DroppedOp[] }

/** An ONNX node skipped because it is final and monotone (Softmax): its op type and node label. */
export type DroppedOp = { opType: string; node: string }

export type Value = ConstValue | DynamicValue

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** A one-input IR op as a lowering describes it; the context adds its name, input and output tensor. */
export type UnaryOpBody = DistributiveOmit<SingleInputOp, 'name' | 'input' | 'output'>

/** A multi-input IR op (concat, binary, matmul) as a lowering describes it; the context adds its name, inputs and output tensor. */
export type MultiOpBody = DistributiveOmit<MultiInputOp, 'name' | 'inputs' | 'output'>

export type ApplyOptions = {
  /**
   * Emit an intermediate op of a multi-op lowering (e.g. the sum conv before
   * an AveragePool's divisors): its tensor is named `<output>#<step>` and it
   * does not set the node's output.
   */
  step?: string
}

export type LoweringContext = {
  readonly node: OnnxNode
  readonly opType: string
  /** The node for messages: its name, or `#<index> (<opType>)` when the name is empty. */
  readonly label: string
  /** The default-domain opset the model imports (attributes moved to inputs across versions). */
  readonly opsetVersion: number
  /** Input `i`; throws if it is absent. */
  input(i: number): Value
  /** Input `i`, or `undefined` if the node omits it (ONNX optional inputs). */
  optionalInput(i: number): Value | undefined
  /** Input `i`, which must be known at import time; `role` names it in the error. */
  constInput(i: number, role: string): ConstValue
  attrInt(name: string, fallback: number): number
  attrFloat(name: string, fallback: number): number
  attrInts(name: string): number[] | undefined
  /** A string attribute (e.g. `auto_pad`, Pad's `mode`), decoded as UTF-8. */
  attrString(name: string, fallback: string): string
  /** The raw attribute, for the rare op that needs a tensor or list attribute. */
  attribute(name: string): OnnxAttribute | undefined
  /** Sets output `i` to a constant. */
  setConst(i: number, dims: number[], data: Float64Array): void
  /** Sets output `i` to a view (same values, new shape) of a computed tensor or a constant. */
  setView(i: number, value: Value, shape: number[]): void
  /**
   * Output 0 of a node that is skipped because it only maps the logits
   * monotonically (a final Softmax): a view of `value`, remembered so that
   * any later op reading it fails and the IR records `droppedOutputOps`.
   */
  setDropped(value: DynamicValue): void
  /** Marks output `i` as unusable (e.g. MaxPool's Indices): a node reading it fails with `reason`. */
  setUnavailable(i: number, reason: string): void
  /**
   * Applies a one-input op to `x`: emits it when `x` is computed, evaluates it
   * now when `x` is a constant. Sets output 0 (unless `step`) to the result,
   * whose shape is `shape`, and returns it.
   */
  apply(x: Value, body: UnaryOpBody, shape: number[], options?: ApplyOptions): Value
  /** Emits a concat of computed tensors; `source` as in ConcatOp. */
  emitConcat(xs: DynamicValue[], source: Int32Array, shape: number[]): void
  /** Emits a multi-input op (binary, matmul) reading computed tensors `xs` in order; sets output 0 (shape `shape`). */
  emitMulti(xs: DynamicValue[], body: MultiOpBody, shape: number[]): void
  /** Throws a ModelImportError naming this node. */
  fail(problem: string, details?: string): never
}

/**
 * Lowers one ONNX node onto the IR (or evaluates it, if its inputs are constants).
 * Lowerings are declared as `function f(ctx: LoweringContext)` rather than arrow
 * functions so that TypeScript narrows after `ctx.fail(...)` (which returns `never`).
 */
export type Lowering = (ctx: LoweringContext) => void

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`
}
