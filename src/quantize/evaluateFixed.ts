import { InputError, RangeOverflowError } from '../errors.js'
import type { FixedLayer, FixedPointModel } from './fixedPointModel.js'

export type EvaluateFixedOptions = {
  /** Keep every layer's output (for debugging and circuit comparisons). */
  trace?: boolean
}

export type EvaluateFixedReturnType = {
  /** The model's output as integers at scale 2^output.scale. */
  outputQ: bigint[]
  /** Index of the first maximum of outputQ (what the ArgMax template proves). */
  argmax: number
  /** Outputs of every layer, in order, when `trace` is set. */
  layers?: bigint[][]
}

/**
 * The ground truth of glassbox: a pure integer evaluator of the fixed-point
 * model. The circuit's outputs must equal these bit for bit, so this mirrors
 * the circuit templates exactly: floor division by 2^shift, a signed B-bit
 * range check on every rescaled value, ReLU on the rescaled value.
 *
 * @param model The fixed-point model.
 * @param inputQ The quantized input (see `quantizeInput`).
 * @returns The integer outputs and their argmax.
 * @throws {RangeOverflowError} when a value leaves the B-bit range, naming the layer.
 * @example
 * const { outputQ, argmax } = evaluateFixed(model, quantizeInput(model, [5.1, 3.5, 1.4, 0.2]))
 */
export function evaluateFixed(
  model: FixedPointModel,
  inputQ: readonly bigint[],
  { trace = false }: EvaluateFixedOptions = {},
): EvaluateFixedReturnType {
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  if (inputQ.length !== inputSize) {
    throw new InputError(`Input has ${inputQ.length} values, the model takes ${inputSize}.`)
  }
  const limit = 1n << BigInt(model.bits - 1)
  checkRange(inputQ, limit, 'input', model.bits)
  let values: readonly bigint[] = inputQ
  const layers: bigint[][] = []
  for (const layer of model.layers) {
    // The circuit range-checks the rescaled value before any ReLU, so do we.
    const preActivation = evaluateLayer(layer, values)
    checkRange(preActivation, limit, layer.name, model.bits)
    const next = layer.kind !== 'relu' && layer.relu ? preActivation.map(relu) : preActivation
    if (trace) layers.push(next)
    values = next
  }
  const outputQ = [...values]
  const result: EvaluateFixedReturnType = { outputQ, argmax: firstArgmax(outputQ) }
  if (trace) result.layers = layers
  return result
}

function evaluateLayer(layer: FixedLayer, x: readonly bigint[]): bigint[] {
  switch (layer.kind) {
    case 'dense': {
      const shift = BigInt(layer.shift)
      const weight = layer.weight.map(BigInt)
      const out: bigint[] = new Array(layer.outFeatures)
      for (let j = 0; j < layer.outFeatures; j++) {
        let acc = BigInt(layer.bias[j]!)
        const row = j * layer.inFeatures
        for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * x[i]!
        out[j] = acc >> shift
      }
      return out
    }
    case 'affine': {
      const shift = BigInt(layer.shift)
      return x.map((v, i) => (BigInt(layer.factor[i]!) * v + BigInt(layer.offset[i]!)) >> shift)
    }
    case 'relu':
      return x.map(relu)
    default:
      return layer satisfies never
  }
}

// BigInt's >> (used above) is an arithmetic shift, i.e. floor division, as in the circuit.
function relu(q: bigint): bigint {
  return q < 0n ? 0n : q
}

function checkRange(values: readonly bigint[], limit: bigint, where: string, bits: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < -limit || v >= limit) {
      throw new RangeOverflowError(`Value ${v} at ${where}[${i}] does not fit in ${bits} signed bits.`, {
        details:
          'The input drives the model outside the range it was calibrated for. Recompile with a calibration set that covers such inputs, or with more --bits.',
      })
    }
  }
}

/** Index of the first maximum, as the ArgMax circuit breaks ties. */
export function firstArgmax(values: readonly bigint[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}
