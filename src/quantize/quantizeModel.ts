import { QuantizeError, RangeOverflowError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { evaluateFloat } from '../model/evaluateFloat.js'
import type { AffineOp, DenseOp, ModelIR, Op } from '../model/ir.js'
import { shapeSize } from '../model/ir.js'
import { evaluateFixed } from './evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { FIXED_POINT_FORMAT } from './fixedPointModel.js'
import { quantizeInput } from './quantizeInput.js'

export type QuantizeModelParameters = {
  /** Calibration inputs (floats, flattened row-major): real samples of what the model will see. */
  calibration: readonly (readonly number[])[]
  /** B: every activation is a signed B-bit integer. Larger B = more precision and more constraints. */
  bits?: number
  /** Extra bits of range above the calibrated maximum, for inputs beyond the calibration set. */
  headroomBits?: number
  /** Largest power-of-two scale used for any tensor or weight. */
  maxScale?: number
  logger?: Logger
}

/**
 * Quantizes a float model to power-of-two fixed point.
 *
 * Each tensor gets the largest scale 2^s such that its calibrated maximum,
 * times 2^headroomBits, still fits in B signed bits; each dense layer's
 * weights get the largest scale that fits them in B bits. A layer then
 * multiplies at scale s_in + s_w and rescales (floor division by 2^shift,
 * with the rounding offset folded into the bias) to its output scale.
 *
 * @returns The fixed-point model, checked to evaluate without overflow on every calibration input.
 * @throws {QuantizeError} when there is no calibration data or no setting fits.
 * @example
 * const fixed = quantizeModel(ir, { calibration: samples, bits: 16 })
 */
export function quantizeModel(
  ir: ModelIR,
  { calibration, bits = 16, headroomBits = 1, maxScale = 24, logger = silentLogger }: QuantizeModelParameters,
): FixedPointModel {
  if (!Number.isInteger(bits) || bits < 4 || bits > 48) {
    throw new QuantizeError(`--bits must be an integer from 4 to 48, got ${bits}.`)
  }
  if (calibration.length === 0) {
    throw new QuantizeError('No calibration inputs.', {
      details: 'Pass --calibration with a JSONL file of representative inputs (a few dozen lines of real data).',
    })
  }
  const maxAbs = calibrateMaxAbs(ir, calibration)
  const largest = 2 ** (bits - 1) - 1
  const scaleFor = (magnitude: number): number => {
    if (!(magnitude > 0)) return Math.min(maxScale, bits - 2)
    return Math.min(maxScale, Math.floor(Math.log2(largest / (magnitude * 2 ** headroomBits))))
  }

  const inputScale = scaleFor(maxAbs.get(ir.input.name) ?? 0)
  const layers: FixedLayer[] = []
  let currentScale = inputScale
  const ops = ir.ops
  for (let index = 0; index < ops.length; index++) {
    const op = ops[index]!
    const next = ops[index + 1]
    const fuseRelu = next?.kind === 'relu' && next.input === op.output && op.kind !== 'relu'
    const preScale = scaleFor(maxAbs.get(op.output) ?? 0)
    const layer = quantizeOp(op, { inputScale: currentScale, preScale, relu: fuseRelu, bits, maxScale, size: shapeSize(ir.tensors[op.input] ?? []) })
    layers.push(layer)
    currentScale = layer.kind === 'relu' ? layer.scale : layer.outputScale
    if (fuseRelu) index++
  }

  const model: FixedPointModel = {
    format: FIXED_POINT_FORMAT,
    name: ir.name,
    bits,
    input: { name: ir.input.name, shape: [...ir.input.shape], scale: inputScale },
    output: { name: ir.output.name, shape: [...ir.output.shape], scale: currentScale },
    layers,
    calibration: { samples: calibration.length, headroomBits, maxAbs: Object.fromEntries(maxAbs) },
  }
  checkCalibrationFits(model, calibration)
  logger.debug(`quantized ${ir.name}: ${bits} bits, input scale 2^${inputScale}, ${layers.length} layers`)
  return model
}

type QuantizeOpContext = { inputScale: number; preScale: number; relu: boolean; bits: number; maxScale: number; size: number }

function quantizeOp(op: Op, context: QuantizeOpContext): FixedLayer {
  switch (op.kind) {
    case 'dense':
      return quantizeDense(op, context)
    case 'affine':
      return quantizeAffine(op, context)
    case 'relu':
      return { kind: 'relu', name: op.name, size: context.size, scale: context.inputScale }
    default:
      return op satisfies never
  }
}

function quantizeDense(op: DenseOp, { inputScale, preScale, relu, bits, maxScale }: QuantizeOpContext): FixedLayer {
  const weightScale = constantScale(op.weight, bits, maxScale)
  const { outputScale, shift } = rescaleFor(inputScale + weightScale, preScale)
  return {
    kind: 'dense',
    name: op.name,
    inFeatures: op.inFeatures,
    outFeatures: op.outFeatures,
    weight: Array.from(op.weight, (w) => roundToScale(w, weightScale)),
    bias: Array.from(op.bias, (b) => biasToScale(b, inputScale + weightScale, shift)),
    inputScale,
    weightScale,
    outputScale,
    shift,
    relu,
  }
}

function quantizeAffine(op: AffineOp, { inputScale, preScale, relu, bits, maxScale }: QuantizeOpContext): FixedLayer {
  const factorScale = constantScale(op.scale, bits, maxScale)
  const { outputScale, shift } = rescaleFor(inputScale + factorScale, preScale)
  return {
    kind: 'affine',
    name: op.name,
    size: op.scale.length,
    factor: Array.from(op.scale, (a) => roundToScale(a, factorScale)),
    offset: Array.from(op.shift, (c) => biasToScale(c, inputScale + factorScale, shift)),
    inputScale,
    factorScale,
    outputScale,
    shift,
    relu,
  }
}

/** The product scale can only be rescaled down: if the wanted output scale is finer, settle for the product's. */
function rescaleFor(productScale: number, wantedScale: number): { outputScale: number; shift: number } {
  const outputScale = Math.min(productScale, wantedScale)
  return { outputScale, shift: productScale - outputScale }
}

function constantScale(values: Float64Array, bits: number, maxScale: number): number {
  let largest = 0
  for (const v of values) largest = Math.max(largest, Math.abs(v))
  if (largest === 0) return 0
  return Math.min(maxScale, Math.floor(Math.log2((2 ** (bits - 1) - 1) / largest)))
}

function roundToScale(value: number, scale: number): string {
  return BigInt(Math.round(value * 2 ** scale)).toString()
}

// Adding 2^(shift-1) before the floor division makes the rescale round to nearest.
function biasToScale(value: number, scale: number, shift: number): string {
  const rounding = shift > 0 ? 1n << BigInt(shift - 1) : 0n
  return (BigInt(Math.round(value * 2 ** scale)) + rounding).toString()
}

/** Max |value| of every tensor over the calibration set, from the float evaluator's trace. */
export function calibrateMaxAbs(ir: ModelIR, calibration: readonly (readonly number[])[]): Map<string, number> {
  const maxAbs = new Map<string, number>()
  for (const sample of calibration) {
    const { tensors } = evaluateFloat(ir, Float64Array.from(sample), { trace: true })
    const all = new Map(tensors ?? [])
    all.set(ir.input.name, Float64Array.from(sample))
    for (const [name, values] of all) {
      let m = maxAbs.get(name) ?? 0
      for (const v of values) m = Math.max(m, Math.abs(v))
      maxAbs.set(name, m)
    }
  }
  return maxAbs
}

function checkCalibrationFits(model: FixedPointModel, calibration: readonly (readonly number[])[]): void {
  calibration.forEach((sample, i) => {
    try {
      evaluateFixed(model, quantizeInput(model, sample))
    } catch (cause) {
      if (cause instanceof RangeOverflowError) {
        throw new QuantizeError(`Calibration sample ${i} overflows ${model.bits}-bit fixed point.`, {
          details: `${cause.shortMessage} Use more --bits or more --headroom.`,
          cause,
        })
      }
      throw cause
    }
  })
}
