import { QuantizeError, RangeOverflowError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { evaluateFloat } from '../model/evaluateFloat.js'
import type { QuantizeContext } from '../layers/layerKind.js'
import { quantizerOf } from '../layers/layerTable.js'
import type { ModelIR, Op } from '../model/ir.js'
import { opInputs, shapeSize } from '../model/ir.js'
import { checkCalibrationSet } from './checkCalibrationSet.js'
import { checkFixedPointWidths } from './checkFixedPointWidths.js'
import type { InputScaling } from './chooseInputScales.js'
import { chooseInputScales } from './chooseInputScales.js'
import { evaluateFixed } from './evaluateFixed.js'
import type { FixedInputSpec, FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { FIXED_POINT_FORMAT, SCALE_LIMIT } from './fixedPointModel.js'
import { quantizeInput } from './quantizeInput.js'
import type { QuantizedLinearWeights } from './quantizeLinearWeights.js'
import { quantizeLinearWeights } from './quantizeLinearWeights.js'

export type QuantizeModelParameters = {
  /** Calibration inputs (floats, flattened row-major): real samples of what the model will see. */
  calibration: readonly (readonly number[])[]
  /** B: every activation is a signed B-bit integer. Larger B = more precision and more constraints. */
  bits?: number
  /** Bits of each weight (signed). Fewer bits = smaller rescale shifts = fewer constraints. */
  weightBits?: number
  /** Extra bits of range above the calibrated maximum, for inputs beyond the calibration set. */
  headroomBits?: number
  /** Largest power-of-two scale used for any tensor or weight. */
  maxScale?: number
  /** Calibrated ranges, when already computed (see {@link calibrateMaxAbs}); saves a float pass. */
  maxAbs?: Map<string, number>
  /** One input scale, per-feature scales folded into the first layer, or per-feature where ranges differ widely (default). */
  inputScaling?: InputScaling
  logger?: Logger
}

/**
 * Quantizes a float model to power-of-two fixed point.
 *
 * Each tensor gets the largest scale 2^s such that its calibrated maximum,
 * times 2^headroomBits, still fits in B signed bits; each layer's weights the
 * largest scale that fits them in `weightBits`. A linear layer multiplies at
 * scale s_in + s_w and rescales (floor division by 2^shift, with the rounding
 * offset folded into the bias) to its output scale. A ReLU, and a max pool
 * after a convolution, are fused into the layer's rescale. Input features
 * whose ranges differ widely get their own scales (see chooseInputScales),
 * folded into the weights of the layers reading the input.
 *
 * @returns The fixed-point model, checked to evaluate without overflow on
 *   every calibration input and to fit a sound circuit (checkFixedPointWidths).
 * @throws {QuantizeError} when the calibration data is empty, all zeros or one
 *   repeated input, when a setting is out of range, or when a layer's values
 *   or widths do not fit (naming the layer).
 */
export function quantizeModel(
  ir: ModelIR,
  { calibration, bits = 16, weightBits = bits, headroomBits = 1, maxScale = 24, maxAbs: knownMaxAbs, inputScaling = 'auto', logger = silentLogger }: QuantizeModelParameters,
): FixedPointModel {
  for (const [flag, value] of [['--bits', bits], ['--weight-bits', weightBits]] as const) {
    if (!Number.isInteger(value) || value < 4 || value > 40) throw new QuantizeError(`${flag} must be an integer from 4 to 40, got ${value}.`)
  }
  if (!Number.isInteger(headroomBits) || headroomBits < 0 || headroomBits > 16) throw new QuantizeError(`--headroom must be an integer from 0 to 16, got ${headroomBits}.`)
  checkCalibrationSet(calibration, { logger })
  const maxAbs = knownMaxAbs ?? calibrateMaxAbs(ir, calibration)
  const largest = 2 ** (bits - 1) - 1
  /** The finest scale at which tensor `name` (written by layer `producer`) fits B bits with headroom. */
  const scaleFor = (name: string, producer: string): number => {
    const magnitude = maxAbs.get(name) ?? 0
    if (!(magnitude > 0)) return Math.min(maxScale, bits - 2)
    const s = Math.min(maxScale, Math.floor(Math.log2(largest / (magnitude * 2 ** headroomBits))))
    if (s < -SCALE_LIMIT) {
      throw new QuantizeError(`Layer "${producer}" reaches ${magnitude.toPrecision(3)} on the calibration set (tensor "${name}"), which needs scale 2^${s}, below glassbox's 2^-${SCALE_LIMIT}.`, {
        details: 'Values this large mean the weights feeding it are broken (check the export), not something fixed point should represent.',
      })
    }
    return s
  }
  const weightsFor = (values: Float64Array, featureScale: (index: number) => number, where: string): QuantizedLinearWeights => {
    const weights = quantizeLinearWeights(values, featureScale, { weightBits, maxScale })
    if (weights.productScale < -SCALE_LIMIT) {
      const magnitude = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      throw new QuantizeError(`Layer "${where}" has weights up to ${magnitude.toPrecision(3)}: its products need scale 2^${weights.productScale}, below glassbox's 2^-${SCALE_LIMIT}.`, {
        details: 'Weights this large mean a broken export (check the model), not something fixed point should represent.',
      })
    }
    return weights
  }

  const inputScales = chooseInputScales(ir, { calibration, bits, headroomBits, maxScale, uniformScale: scaleFor(ir.input.name, 'input'), mode: inputScaling })
  logger.debug(inputScales.reason)
  const featureScales = inputScales.featureScales

  const scaleOf = new Map<string, number>([[ir.input.name, inputScales.scale]])
  const bitsOf = new Map<string, number>([[ir.input.name, bits]])
  const consumers = consumerMap(ir.ops)
  const soleConsumer = (tensor: string): Op | undefined => {
    const list = consumers.get(tensor) ?? []
    return list.length === 1 && tensor !== ir.output.name ? list[0] : undefined
  }
  const fused = new Set<Op>()
  const layers: FixedLayer[] = []
  const inputScale = (name: string): number => {
    const s = scaleOf.get(name)
    if (s === undefined) throw new QuantizeError(`Tensor "${name}" is read before it is produced.`)
    return s
  }
  /**
   * The scale of the input value each weight multiplies, for a layer reading
   * `tensor`: per feature for the model input (`column` maps a weight to the
   * input value it multiplies), else the tensor's one scale.
   */
  const perFeature = (tensor: string, column: (index: number) => number): ((index: number) => number) => {
    if (featureScales && tensor === ir.input.name) return (k) => featureScales[column(k)]!
    const s = inputScale(tensor)
    return () => s
  }

  const context: QuantizeContext = {
    bits,
    weightBits,
    scaleOf: inputScale,
    bitsOf(name) {
      const b = bitsOf.get(name)
      if (b === undefined) throw new QuantizeError(`Tensor "${name}" is read before it is produced.`)
      return b
    },
    shapeOf(name) {
      const shape = ir.tensors[name]
      if (!shape) throw new QuantizeError(`The IR has no shape for tensor "${name}".`)
      return shape
    },
    sizeOf: (name) => sizeOf(ir, name),
    scaleFor,
    calibratedMaxAbs: (name) => maxAbs.get(name) ?? 0,
    soleConsumer,
    fuse: (op) => fused.add(op),
    linearWeights: (values, input, column, where) => weightsFor(values, perFeature(input, column), where),
  }
  for (const op of ir.ops) {
    if (fused.has(op)) continue
    const layer = quantizerOf(op)(op, context)
    layers.push(layer)
    scaleOf.set(layer.output, layer.scale)
    bitsOf.set(layer.output, layer.bits)
  }

  const outputScale = scaleOf.get(ir.output.name)
  if (outputScale === undefined) throw new QuantizeError(`No layer produces the model output "${ir.output.name}".`)
  const input: FixedInputSpec = { name: ir.input.name, shape: [...ir.input.shape], scale: inputScales.scale, bits }
  if (featureScales) input.featureScales = featureScales
  const model: FixedPointModel = {
    format: FIXED_POINT_FORMAT,
    name: ir.name,
    bits,
    weightBits,
    input,
    output: { name: ir.output.name, shape: [...ir.output.shape], scale: outputScale, bits: bitsOf.get(ir.output.name)! },
    layers,
    droppedOutputOps: [...(ir.droppedOutputOps ?? [])],
    calibration: { samples: calibration.length, headroomBits, maxAbs: Object.fromEntries(maxAbs) },
  }
  checkFixedPointWidths(model)
  checkCalibrationFits(model, calibration)
  logger.debug(`quantized ${ir.name}: ${bits}-bit activations, ${weightBits}-bit weights, ${layers.length} layers`)
  return model
}

function consumerMap(ops: readonly Op[]): Map<string, Op[]> {
  const map = new Map<string, Op[]>()
  for (const op of ops) {
    for (const name of opInputs(op)) map.set(name, [...(map.get(name) ?? []), op])
  }
  return map
}

function sizeOf(ir: ModelIR, tensor: string): number {
  const shape = ir.tensors[tensor]
  if (!shape) throw new QuantizeError(`The IR has no shape for tensor "${tensor}".`)
  return shapeSize(shape)
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
