import { GlassboxError, InputError } from '../errors.js'
import { shapeSize, type ModelIR, type Op } from './ir.js'

export type EvaluateFloatOptions = {
  /** Also return every intermediate tensor (calibration reads their ranges). */
  trace?: boolean
}
export type EvaluateFloatReturnType = {
  output: Float64Array
  /** With `trace`: the input and every op's output by tensor name. */
  tensors?: Map<string, Float64Array>
}

/**
 * The float64 reference semantics of the IR: runs the op chain on one input.
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
    const x = tensors.get(op.input)
    if (!x) throw new GlassboxError(`IR op "${op.name}" reads "${op.input}", which no earlier op produces.`)
    tensors.set(op.output, applyOp(op, x))
  }
  const output = tensors.get(model.output.name)
  if (!output) throw new GlassboxError(`No op of the IR produces its output "${model.output.name}".`)
  return trace ? { output, tensors } : { output }
}

function applyOp(op: Op, x: Float64Array): Float64Array {
  switch (op.kind) {
    case 'dense': {
      if (x.length !== op.inFeatures) throw new GlassboxError(`IR dense op "${op.name}" expects ${op.inFeatures} inputs, got ${x.length}.`)
      const y = new Float64Array(op.outFeatures)
      for (let j = 0; j < op.outFeatures; j++) {
        let acc = op.bias[j]!
        const row = j * op.inFeatures
        for (let i = 0; i < op.inFeatures; i++) acc += op.weight[row + i]! * x[i]!
        y[j] = acc
      }
      return y
    }
    case 'relu':
      return x.map((v) => (v > 0 ? v : 0))
    case 'affine':
      if (x.length !== op.scale.length) throw new GlassboxError(`IR affine op "${op.name}" expects ${op.scale.length} inputs, got ${x.length}.`)
      return x.map((v, i) => v * op.scale[i]! + op.shift[i]!)
    default:
      return op satisfies never
  }
}
