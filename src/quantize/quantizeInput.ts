import { InputError, RangeOverflowError } from '../errors.js'
import type { FixedPointModel } from './fixedPointModel.js'

/**
 * Converts a float input (flattened row-major) to the model's fixed point:
 * q[i] = round(x[i] · 2^s[i]), checked to fit in the model's B signed bits,
 * with s[i] the input's `featureScales[i]` when it has per-feature scales and
 * its one `scale` otherwise. This is the only place a float input becomes the
 * circuit's integers: `run`, `prove` (and its input hash) and the accuracy
 * reports all quantize through it.
 *
 * @throws {InputError} for a wrong length or a non-finite value.
 * @throws {RangeOverflowError} for a value outside the calibrated range.
 */
export function quantizeInput(model: FixedPointModel, input: readonly number[]): bigint[] {
  const size = model.input.shape.reduce((a, b) => a * b, 1)
  if (input.length !== size) {
    throw new InputError(
      `Input has ${input.length} values but model "${model.name}" takes ${size} (shape [${model.input.shape.join(', ')}], flattened row-major).`,
    )
  }
  const { featureScales } = model.input
  if (featureScales && featureScales.length !== size) {
    throw new InputError(`Model "${model.name}" has ${featureScales.length} input feature scales for ${size} input values.`, { details: 'The fixed-point model is inconsistent; recompile it.' })
  }
  const limit = 2 ** (model.input.bits - 1)
  return input.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new InputError(`input[${i}] is ${String(x)}, not a finite number.`)
    }
    const scale = featureScales ? featureScales[i]! : model.input.scale
    const factor = 2 ** scale
    const q = Math.round(x * factor)
    if (q < -limit || q >= limit) {
      const bound = limit / factor
      throw new RangeOverflowError(`input[${i}] = ${x} is outside the representable range ±${bound}.`, {
        details: `Model "${model.name}" takes input[${i}] at scale 2^${scale} in ${model.input.bits} bits. Recompile with a calibration set that covers this value, or with more --bits.`,
      })
    }
    return BigInt(q)
  })
}

/** Converts integers at scale 2^scale back to floats. */
export function dequantize(values: readonly bigint[], scale: number): number[] {
  const factor = 2 ** -scale
  return values.map((v) => Number(v) * factor)
}

/**
 * The float input a quantized input stands for, with the model's per-feature
 * scales when it has them: the inverse of {@link quantizeInput} on its image
 * (quantizeInput(dequantizeInput(q)) = q), used where only the integers are
 * known, e.g. an input read back from a market request.
 */
export function dequantizeInput(model: FixedPointModel, values: readonly bigint[]): number[] {
  const { featureScales } = model.input
  return values.map((v, i) => Number(v) * 2 ** -(featureScales?.[i] ?? model.input.scale))
}
