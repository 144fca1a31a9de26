/**
 * The contract between `importOnnx` and the per-op lowering functions of the
 * ONNX op table: what a lowering can read (inputs, attributes) and how it
 * states its results (a constant, a view of a computed tensor, or an IR op).
 */
import type { AffineOp, DenseOp, ReluOp } from './ir.js'
import type { OnnxAttribute, OnnxNode } from './onnxTypes.js'

/** A tensor whose values are known at import time (initializers, Constant nodes, folded sub-graphs). */
export type ConstValue = { kind: 'const'; dims: number[]; data: Float64Array }

/**
 * A tensor computed from the model input. `tensor` names the IR tensor that
 * holds its values; views share the IR tensor and differ only in `shape`.
 */
export type DynamicValue = { kind: 'dynamic'; tensor: string; shape: number[] }

export type Value = ConstValue | DynamicValue

/** An IR op as a lowering describes it; the importer adds its name and output tensor. */
export type OpBody = Omit<DenseOp, 'name' | 'output'> | Omit<ReluOp, 'name' | 'output'> | Omit<AffineOp, 'name' | 'output'>

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
  /** The raw attribute, for the rare op that needs a tensor or list attribute. */
  attribute(name: string): OnnxAttribute | undefined
  /** Sets output `i` to a constant. */
  setConst(i: number, dims: number[], data: Float64Array): void
  /** Sets output `i` to a view (same values, new shape) of a computed tensor or a constant. */
  setView(i: number, value: Value, shape: number[]): void
  /** Emits an IR op computing output 0, whose shape is `shape`. */
  emit(body: OpBody, shape: number[]): void
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
