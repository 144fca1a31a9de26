import { z } from 'zod'
import { QuantizeError } from '../errors.js'
import { binarySchema } from '../layers/binary.js'
import { matmulSchema } from '../layers/matmul.js'
import { layerKindOf } from '../layers/layerTable.js'

/**
 * The fixed-point IR (`model.json`). Every tensor is a vector of integers q
 * standing for the reals q / 2^scale and range-checked to `bits` signed bits.
 * Layers form a DAG over named tensors in topological order. Integer
 * constants are decimal strings so they survive JSON exactly.
 */
export const FIXED_POINT_FORMAT = 'glassbox/fixed-point@2'

/**
 * The widest bit decomposition a template may make: 2^252 < p (the BN254
 * scalar field order, ≈ 2^253.6), so n ≤ 252 bits represent every value in
 * [0, 2^n) exactly once and none wraps the field. See checkFixedPointWidths.
 */
export const MAX_DECOMPOSITION_BITS = 252
/** Every scale is 2^s with |s| ≤ SCALE_LIMIT: beyond it a model's values are not numbers fixed point should represent. */
export const SCALE_LIMIT = 64

const intString = z.string().regex(/^-?\d+$/, 'an integer as a decimal string')
const scale = z.number().int().min(-SCALE_LIMIT).max(SCALE_LIMIT)
/** A tensor's signed width: every consumer compares it in at most one bit more. */
const bits = z.number().int().min(2).max(MAX_DECOMPOSITION_BITS - 1)
/** Rescale shifts: shift + bits ≤ MAX_DECOMPOSITION_BITS (checked with the bits by checkFixedPointWidths). */
const shift = z.number().int().min(0).max(MAX_DECOMPOSITION_BITS)
const pair = z.tuple([z.number().int().positive(), z.number().int().positive()])
const chw = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
const pads = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)])

/** Every layer writes one tensor at a scale, range-checked to `bits` signed bits. */
const common = { name: z.string(), output: z.string(), scale, bits }

/** Rescale of a linear map: acc at scale (in + weights) → floor(acc / 2^shift) at the output scale, optional ReLU. */
const rescale = { shift, relu: z.boolean() }

const pool = z.object({ kernel: pair, stride: pair, pads, outShape: chw })

const denseLayer = z.object({
  kind: z.literal('dense'),
  ...common,
  ...rescale,
  input: z.string(),
  inFeatures: z.number().int().positive(),
  outFeatures: z.number().int().positive(),
  /** Row-major [outFeatures][inFeatures]. */
  weight: z.array(intString),
  /** At the accumulator's scale, including the rounding offset 2^(shift−1). */
  bias: z.array(intString),
  weightScale: scale,
})

const convLayer = z.object({
  kind: z.literal('conv'),
  ...common,
  ...rescale,
  input: z.string(),
  inShape: chw,
  /** Shape of the convolution itself (before the fused pool). */
  convShape: chw,
  kernel: pair,
  stride: pair,
  pads,
  group: z.number().int().positive(),
  /** Row-major [outChannels][inChannels/group][kh][kw]. */
  weight: z.array(intString),
  bias: z.array(intString),
  weightScale: scale,
  /**
   * A max pool fused before the rescale: max commutes with floor division and
   * ReLU, so pooling the accumulators first needs one rescale per pooled value
   * instead of one per convolution output.
   */
  pool: pool.optional(),
})

const affineLayer = z.object({
  kind: z.literal('affine'),
  ...common,
  ...rescale,
  input: z.string(),
  size: z.number().int().positive(),
  factor: z.array(intString),
  offset: z.array(intString),
  factorScale: scale,
})

const reluLayer = z.object({ kind: z.literal('relu'), ...common, input: z.string(), size: z.number().int().positive() })

const maxPoolLayer = z.object({ kind: z.literal('maxpool'), ...common, input: z.string(), inShape: chw, outShape: chw, kernel: pair, stride: pair, pads })

const padLayer = z.object({ kind: z.literal('pad'), ...common, input: z.string(), inShape: chw, outShape: chw, pads })

const clipLayer = z.object({
  kind: z.literal('clip'),
  ...common,
  input: z.string(),
  size: z.number().int().positive(),
  /** Bounds at the tensor's scale; null = unbounded on that side. */
  min: intString.nullable(),
  max: intString.nullable(),
})

const leakyReluLayer = z.object({
  kind: z.literal('leakyrelu'),
  ...common,
  input: z.string(),
  size: z.number().int().positive(),
  /** Negative slope as alpha / 2^alphaShift. */
  alpha: intString,
  alphaShift: shift,
})

const piecewiseLinearLayer = z.object({
  kind: z.literal('pwl'),
  ...common,
  shift,
  input: z.string(),
  /** Bits of the input tensor (each hinge compares x − knot in inputBits + 1 bits). */
  inputBits: bits,
  size: z.number().int().positive(),
  fn: z.enum(['sigmoid', 'tanh']),
  /** y·2^(outScale+shift) = base + Σ_j hinge[j]·max(0, x − knot[j]), x at the input scale. */
  base: intString,
  knots: z.array(intString),
  hinges: z.array(intString),
})

const permuteLayer = z.object({ kind: z.literal('permute'), ...common, input: z.string(), source: z.array(z.number().int().min(0)) })

const concatLayer = z.object({
  kind: z.literal('concat'),
  ...common,
  inputs: z.array(z.string()).min(1),
  /** For each output element: [input index, element index]. */
  source: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])),
  /** Each input is multiplied by 2^upshift[i] to reach the common scale (free: a constant factor). */
  upshift: z.array(z.number().int().min(0).max(2 * SCALE_LIMIT)),
})

export const fixedLayerSchema = z.discriminatedUnion('kind', [
  denseLayer,
  convLayer,
  affineLayer,
  reluLayer,
  maxPoolLayer,
  padLayer,
  clipLayer,
  leakyReluLayer,
  piecewiseLinearLayer,
  permuteLayer,
  concatLayer,
  binarySchema,
  matmulSchema,
])

const tensorSpec = z.object({ name: z.string(), shape: z.array(z.number().int().positive()), scale, bits })

/**
 * The model input. With `featureScales` (one per input value, flattened
 * row-major) value i is quantized at its own scale 2^featureScales[i], so
 * features with very different ranges all keep their precision; the first
 * layer's weights carry the compensating factor 2^(P − featureScales[i]), so
 * the circuit still sees plain integers and sums them at one product scale P.
 * `scale` is then the coarsest of them. Without it, every value is at `scale`.
 */
const inputSpec = tensorSpec.extend({ featureScales: z.array(scale).optional() })

/** A bit-width setting (--bits, --weight-bits). */
const settingBits = z.number().int().min(2).max(60)

export const fixedPointModelSchema = z.object({
  format: z.literal(FIXED_POINT_FORMAT),
  name: z.string(),
  /** The activation bit width B the model was quantized for (every tensor's `bits` is at most B + shift headroom). */
  bits: settingBits,
  weightBits: settingBits,
  input: inputSpec,
  output: tensorSpec,
  layers: z.array(fixedLayerSchema).min(1),
  /** ONNX ops removed at the output (e.g. a final Softmax: argmax is unchanged). */
  droppedOutputOps: z.array(z.string()).default([]),
  calibration: z.object({
    samples: z.number().int().nonnegative(),
    headroomBits: z.number().int().min(0),
    maxAbs: z.record(z.string(), z.number()),
  }),
})

export type FixedLayer = z.infer<typeof fixedLayerSchema>
export type FixedDenseLayer = z.infer<typeof denseLayer>
export type FixedConvLayer = z.infer<typeof convLayer>
export type FixedAffineLayer = z.infer<typeof affineLayer>
export type FixedReluLayer = z.infer<typeof reluLayer>
export type FixedMaxPoolLayer = z.infer<typeof maxPoolLayer>
export type FixedPadLayer = z.infer<typeof padLayer>
export type FixedClipLayer = z.infer<typeof clipLayer>
export type FixedLeakyReluLayer = z.infer<typeof leakyReluLayer>
export type FixedPiecewiseLinearLayer = z.infer<typeof piecewiseLinearLayer>
export type FixedPermuteLayer = z.infer<typeof permuteLayer>
export type FixedConcatLayer = z.infer<typeof concatLayer>
export type FixedPointModel = z.infer<typeof fixedPointModelSchema>
export type FixedTensorSpec = z.infer<typeof tensorSpec>
export type FixedInputSpec = z.infer<typeof inputSpec>

/** The tensors a layer reads. */
export function layerInputs(layer: FixedLayer): readonly string[] {
  return 'inputs' in layer ? layer.inputs : [layer.input]
}

/** Size of a layer's output vector. */
export function layerOutputSize(layer: FixedLayer): number {
  switch (layer.kind) {
    case 'dense':
      return layer.outFeatures
    case 'conv': {
      const [c, h, w] = layer.pool?.outShape ?? layer.convShape
      return c * h * w
    }
    case 'maxpool':
    case 'pad': {
      const [c, h, w] = layer.outShape
      return c * h * w
    }
    case 'affine':
    case 'relu':
    case 'clip':
    case 'leakyrelu':
    case 'pwl':
      return layer.size
    case 'permute':
    case 'concat':
      return layer.source.length
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).outputSize(layer)
    default:
      return layer satisfies never
  }
}

/**
 * Validates a parsed `model.json` (or a model just quantized, before it is
 * compiled) against the schema.
 * @param remedy What the user should do about a failure (default: recompile).
 * @throws {QuantizeError} listing the schema problems, each with the layer it is in.
 */
export function parseFixedPointModel(value: unknown, source = 'model.json', { remedy = 'Recompile the model with `glassbox compile`.' }: { remedy?: string } = {}): FixedPointModel {
  const result = fixedPointModelSchema.safeParse(value)
  if (!result.success) {
    const layers = (value as { layers?: { name?: unknown }[] } | null)?.layers
    const problems = result.error.issues.slice(0, 5).map((i) => {
      const where = i.path.join('.') || '(root)'
      const layer = i.path[0] === 'layers' && typeof i.path[1] === 'number' ? layers?.[i.path[1]]?.name : undefined
      return `${where}${typeof layer === 'string' ? ` (layer "${layer}")` : ''}: ${i.message}`
    })
    throw new QuantizeError(`${source} is not a valid glassbox fixed-point model.`, {
      details: `${problems.join('; ')}. ${remedy}`,
    })
  }
  return result.data
}
