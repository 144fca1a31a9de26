import { QuantizeError, RangeOverflowError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { evaluateFloat } from '../model/evaluateFloat.js'
import type { ConvOp, MaxPoolOp, ModelIR, Op } from '../model/ir.js'
import { opInputs, shapeSize } from '../model/ir.js'
import type { QuantizeContext } from '../layers/layerKind.js'
import { layerTable } from '../layers/layerTable.js'
import { checkCalibrationSet } from './checkCalibrationSet.js'
import { checkFixedPointWidths } from './checkFixedPointWidths.js'
import type { InputScaling } from './chooseInputScales.js'
import { chooseInputScales } from './chooseInputScales.js'
import { evaluateFixed } from './evaluateFixed.js'
import type { FixedInputSpec, FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { FIXED_POINT_FORMAT, MAX_DECOMPOSITION_BITS, SCALE_LIMIT } from './fixedPointModel.js'
import { fitPiecewiseLinear } from './piecewiseLinear.js'
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

  // What the layer modules of src/layers/ quantize with.
  const layerContext: QuantizeContext = {
    bits,
    weightBits,
    scaleOf: inputScale,
    bitsOf: (name) => bitsOf.get(name) ?? fail(`Tensor "${name}" is read before it is produced.`),
    shapeOf: (name) => ir.tensors[name] ?? fail(`The IR has no shape for tensor "${name}".`),
    sizeOf: (name) => sizeOf(ir, name),
    scaleFor,
    calibratedMaxAbs: (name) => maxAbs.get(name) ?? 0,
    soleConsumer,
    fuse: (op) => fused.add(op),
    linearWeights: (values, input, column, where) => weightsFor(values, perFeature(input, column), where),
  }

  for (const op of ir.ops) {
    if (fused.has(op)) continue
    let layer: FixedLayer
    switch (op.kind) {
      case 'dense':
      case 'affine': {
        const next = soleConsumer(op.output)
        const relu = next?.kind === 'relu'
        if (relu) fused.add(next)
        const sIn = inputScale(op.input)
        const { productScale, ints } =
          op.kind === 'dense'
            ? weightsFor(op.weight, perFeature(op.input, (k) => k % op.inFeatures), op.name)
            : weightsFor(op.scale, perFeature(op.input, (k) => k), op.name)
        const { outputScale, shift } = rescaleFor(productScale, scaleFor(op.output, op.name))
        const output = relu ? next.output : op.output
        layer =
          op.kind === 'dense'
            ? {
                kind: 'dense', name: op.name, input: op.input, output, scale: outputScale, bits, shift, relu,
                inFeatures: op.inFeatures, outFeatures: op.outFeatures, weightScale: productScale - sIn,
                weight: ints, bias: biasInts(op.bias, productScale, shift),
              }
            : {
                kind: 'affine', name: op.name, input: op.input, output, scale: outputScale, bits, shift, relu,
                size: op.scale.length, factorScale: productScale - sIn, factor: ints, offset: biasInts(op.shift, productScale, shift),
              }
        break
      }
      case 'conv': {
        const [inC, h, w] = op.inShape
        const perIn = inC / op.group
        const perOut = op.outShape[0] / op.group
        const kernelSize = op.kernel[0] * op.kernel[1]
        // Weight k multiplies input channel ⌊m / perOut⌋·perIn + c (m its output channel, c its channel in the group).
        const channelOf = (k: number) => {
          const m = Math.floor(k / (perIn * kernelSize))
          return (Math.floor(m / perOut) * perIn + (Math.floor(k / kernelSize) % perIn)) * h * w
        }
        const weights = weightsFor(op.weight, perFeature(op.input, channelOf), op.name)
        layer = quantizeConv(op, { sIn: inputScale(op.input), weights, preScale: scaleFor(op.output, op.name), bits, soleConsumer, fused })
        break
      }
      case 'relu':
        layer = { kind: 'relu', name: op.name, input: op.input, output: op.output, scale: inputScale(op.input), bits: bitsOf.get(op.input)!, size: sizeOf(ir, op.input) }
        break
      case 'maxpool':
        layer = { kind: 'maxpool', name: op.name, input: op.input, output: op.output, scale: inputScale(op.input), bits: bitsOf.get(op.input)!, inShape: [...op.inShape], outShape: [...op.outShape], kernel: [...op.kernel], stride: [...op.stride], pads: [...op.pads] }
        break
      case 'pad':
        layer = { kind: 'pad', name: op.name, input: op.input, output: op.output, scale: inputScale(op.input), bits: bitsOf.get(op.input)!, inShape: [...op.inShape], outShape: [...op.outShape], pads: [...op.pads] }
        break
      case 'permute':
        layer = { kind: 'permute', name: op.name, input: op.input, output: op.output, scale: inputScale(op.input), bits: bitsOf.get(op.input)!, source: Array.from(op.source) }
        break
      case 'concat': {
        const scales = op.inputs.map(inputScale)
        const common = Math.max(...scales)
        const upshift = scales.map((s) => common - s)
        const outBits = Math.max(...op.inputs.map((name, i) => bitsOf.get(name)! + upshift[i]!))
        if (outBits > MAX_TENSOR_BITS) {
          throw new QuantizeError(`Concat "${op.name}" joins tensors at scales 2^${Math.min(...scales)} to 2^${common}: shifted to the common scale its values would be ${outBits}-bit, more than a sound BN254 circuit compares (${MAX_TENSOR_BITS}).`, {
            details: 'Its branches have wildly different ranges: check the weights feeding them, or use fewer --bits.',
          })
        }
        const source: [number, number][] = []
        for (let i = 0; i < op.source.length; i += 2) source.push([op.source[i]!, op.source[i + 1]!])
        layer = { kind: 'concat', name: op.name, inputs: [...op.inputs], output: op.output, scale: common, bits: outBits, upshift, source }
        break
      }
      case 'clip': {
        const s = inputScale(op.input)
        const b = bitsOf.get(op.input)!
        const bound = (v: number): string | null => (Number.isFinite(v) ? clampInt(Math.round(v * 2 ** s), b).toString() : null)
        layer = { kind: 'clip', name: op.name, input: op.input, output: op.output, scale: s, bits: b, size: sizeOf(ir, op.input), min: bound(op.min), max: bound(op.max) }
        break
      }
      case 'leakyrelu': {
        const alphaShift = 8
        layer = {
          kind: 'leakyrelu', name: op.name, input: op.input, output: op.output, scale: inputScale(op.input), bits: bitsOf.get(op.input)!,
          size: sizeOf(ir, op.input), alpha: String(Math.round(op.alpha * 2 ** alphaShift)), alphaShift,
        }
        break
      }
      case 'sigmoid':
      case 'tanh':
        layer = fitPiecewiseLinear(op, { inputScale: inputScale(op.input), inputBits: bitsOf.get(op.input)!, bits, size: sizeOf(ir, op.input) })
        break
      case 'binary':
        layer = layerTable.binary.quantize.binary(op, layerContext)
        break
      case 'matmul':
        layer = layerTable.matmul.quantize.matmul(op, layerContext)
        break
      default:
        layer = op satisfies never
    }
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

function fail(message: string): never {
  throw new QuantizeError(message)
}

/** A tensor's widest allowed signed width: its consumers compare it in one bit more. */
const MAX_TENSOR_BITS = MAX_DECOMPOSITION_BITS - 1

type ConvContext = {
  sIn: number
  weights: QuantizedLinearWeights
  preScale: number
  bits: number
  soleConsumer: (tensor: string) => Op | undefined
  fused: Set<Op>
}

/** conv [→ relu] [→ maxpool] [→ relu]: relu and max pool commute with each other and with the rescale. */
function quantizeConv(op: ConvOp, { sIn, weights, preScale, bits, soleConsumer, fused }: ConvContext): FixedLayer {
  let output = op.output
  let relu = false
  let pool: MaxPoolOp | undefined
  for (let next = soleConsumer(output); next && (next.kind === 'relu' || next.kind === 'maxpool'); next = soleConsumer(output)) {
    if (next.kind === 'relu' && !relu) relu = true
    else if (next.kind === 'maxpool' && !pool) pool = next
    else break
    fused.add(next)
    output = next.output
  }
  const { outputScale, shift } = rescaleFor(weights.productScale, preScale)
  return {
    kind: 'conv', name: op.name, input: op.input, output, scale: outputScale, bits, shift, relu,
    inShape: [...op.inShape], convShape: [...op.outShape], kernel: [...op.kernel], stride: [...op.stride], pads: [...op.pads], group: op.group,
    weightScale: weights.productScale - sIn, weight: weights.ints, bias: biasInts(op.bias, weights.productScale, shift),
    ...(pool ? { pool: { kernel: [...pool.kernel], stride: [...pool.stride], pads: [...pool.pads], outShape: [...pool.outShape] } } : {}),
  } as FixedLayer
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

/** The product scale can only be rescaled down: if the wanted output scale is finer, settle for the product's. */
function rescaleFor(productScale: number, wantedScale: number): { outputScale: number; shift: number } {
  const outputScale = Math.min(productScale, wantedScale)
  return { outputScale, shift: productScale - outputScale }
}

// Adding 2^(shift-1) before the floor division makes the rescale round to nearest.
function biasInts(values: Float64Array, scale: number, shift: number): string[] {
  const rounding = shift > 0 ? 1n << BigInt(shift - 1) : 0n
  return Array.from(values, (v) => (BigInt(Math.round(v * 2 ** scale)) + rounding).toString())
}

function clampInt(v: number, bits: number): number {
  const limit = 2 ** (bits - 1)
  return Math.max(-limit, Math.min(limit - 1, v))
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
