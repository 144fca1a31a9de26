import { GlassboxError, InputError } from '../errors.js'
import { applyOp } from './applyOp.js'
import { opInputs, shapeSize, type ModelIR } from './ir.js'

export type EvaluateFloatOptions = {
  /** Also return every intermediate tensor (calibration reads their ranges). */
  trace?: boolean
}
export type EvaluateFloatReturnType = {
  output: Float64Array
  /** With `trace`: the input and every op's output by tensor name, in evaluation order. */
  tensors?: Map<string, Float64Array>
}

/**
 * The float64 reference semantics of the IR: runs the ops (in their
 * topological order) on one input. Each op's kernel is {@link applyOp}.
 *
 * @param model - the IR from {@link importOnnx}.
 * @param input - the input flattened row-major in `model.input.shape`.
 * @param options - `trace` to also return every intermediate tensor.
 * @returns the output (flattened) and, with `trace`, all tensors by name.
 * @throws {InputError} when the input has the wrong length or a non-finite value.
 * @example
 * const { output } = evaluateFloat(ir, Float64Array.from([5.1, 3.5, 1.4, 0.2]))
 */
export function evaluateFloat(model: ModelIR, input: Float64Array | readonly number[], { trace = false }: EvaluateFloatOptions = {}): EvaluateFloatReturnType {
  const expected = shapeSize(model.input.shape)
  if (input.length !== expected) {
    throw new InputError(`The input has ${input.length} values; model "${model.name}" expects ${expected}.`, {
      details: `Pass the input flattened row-major in the shape [${model.input.shape.join(', ')}].`,
    })
  }
  const bad = Array.prototype.findIndex.call(input, (v: number) => !Number.isFinite(v))
  if (bad >= 0) throw new InputError(`Input value ${bad} is ${input[bad]}; inputs must be finite numbers.`)

  const tensors = new Map<string, Float64Array>([[model.input.name, Float64Array.from(input)]])
  for (const op of model.ops) {
    const inputs = opInputs(op).map((name) => tensors.get(name) ?? fail(`IR op "${op.name}" reads "${name}", which no earlier op produces.`))
    tensors.set(op.output, applyOp(op, inputs))
  }
  const output = tensors.get(model.output.name) ?? fail(`No op of the IR produces its output "${model.output.name}".`)
  return trace ? { output, tensors } : { output }
}

function fail(message: string): never {
  throw new GlassboxError(message)
}
