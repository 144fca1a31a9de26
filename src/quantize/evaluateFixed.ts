import { GlassboxError, InputError } from '../errors.js'
import { layerKindOf } from '../layers/layerTable.js'
import { checkRange } from '../layers/parts/fixedArithmetic.js'
import type { FixedPointModel } from './fixedPointModel.js'

export type EvaluateFixedOptions = {
  /** Keep every tensor (for debugging and circuit comparisons). */
  trace?: boolean
  /**
   * Accumulate conv and dense sums in float64 when the layer's bound proves it
   * exact (default true). False forces BigInt throughout: the reference the
   * fast path is tested against.
   */
  float64?: boolean
}

export type EvaluateFixedReturnType = {
  /** The model's output as integers at scale 2^output.scale. */
  outputQ: bigint[]
  /** Index of the first maximum of outputQ (what the ArgMax template proves). */
  argmax: number
  /** Every tensor by name, when `trace` is set. */
  tensors?: Map<string, bigint[]>
}

/**
 * The ground truth of glassbox: a pure integer evaluator of the fixed-point
 * model. The circuit's outputs must equal these bit for bit, so each layer
 * kind's `evaluate` (src/layers/) mirrors its circuit template exactly: floor
 * division by 2^shift, a signed range check on every rescaled value, max
 * pooling on accumulators before the rescale, ReLU after it.
 *
 * @param model The fixed-point model.
 * @param inputQ The quantized input (see `quantizeInput`).
 * @returns The integer outputs and their argmax.
 * @throws {RangeOverflowError} when a value leaves its signed range, naming the layer.
 * @example
 * const { outputQ, argmax } = evaluateFixed(model, quantizeInput(model, [5.1, 3.5, 1.4, 0.2]))
 */
export function evaluateFixed(model: FixedPointModel, inputQ: readonly bigint[], { trace = false, float64 = true }: EvaluateFixedOptions = {}): EvaluateFixedReturnType {
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  if (inputQ.length !== inputSize) throw new InputError(`Input has ${inputQ.length} values, the model takes ${inputSize}.`)
  checkRange(inputQ, model.input.bits, 'input')
  const tensors = new Map<string, bigint[]>([[model.input.name, [...inputQ]]])
  const read = (name: string): bigint[] => {
    const t = tensors.get(name)
    if (!t) throw new GlassboxError(`Fixed-point layer reads "${name}", which no earlier layer produces.`)
    return t
  }
  const context = { float64 }
  for (const layer of model.layers) {
    const kind = layerKindOf(layer)
    tensors.set(layer.output, kind.evaluate(layer, kind.inputs(layer).map(read), context))
  }
  const outputQ = read(model.output.name)
  const result: EvaluateFixedReturnType = { outputQ, argmax: firstArgmax(outputQ) }
  if (trace) result.tensors = tensors
  return result
}

/** Index of the first maximum, as the ArgMax circuit breaks ties. */
export function firstArgmax(values: readonly bigint[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}
