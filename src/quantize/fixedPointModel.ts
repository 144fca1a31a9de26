import { z } from 'zod'
import { QuantizeError } from '../errors.js'
import { fixedLayerSchema, layerKindOf, type FixedLayer } from '../layers/layerTable.js'
import { bits as layerBits, MAX_DECOMPOSITION_BITS, scale, SCALE_LIMIT } from '../layers/parts/schemaParts.js'

/**
 * The fixed-point IR (`model.json`). Every tensor is a vector of integers q
 * standing for the reals q / 2^scale and range-checked to `bits` signed bits.
 * Layers form a DAG over named tensors in topological order. Integer
 * constants are decimal strings so they survive JSON exactly.
 */
export const FIXED_POINT_FORMAT = 'glassbox/fixed-point@2'

export { MAX_DECOMPOSITION_BITS, SCALE_LIMIT }
/** The schema of one layer: the union of the layer kinds' schemas (src/layers/layerTable.ts). */
export { fixedLayerSchema }
export type { FixedLayer }
export type { FixedDenseLayer } from '../layers/dense.js'
export type { FixedConvLayer } from '../layers/conv.js'
export type { FixedAffineLayer } from '../layers/affine.js'
export type { FixedReluLayer } from '../layers/relu.js'
export type { FixedMaxPoolLayer } from '../layers/maxpool.js'
export type { FixedPadLayer } from '../layers/pad.js'
export type { FixedClipLayer } from '../layers/clip.js'
export type { FixedLeakyReluLayer } from '../layers/leakyrelu.js'
export type { FixedPiecewiseLinearLayer } from '../layers/pwl.js'
export type { FixedPermuteLayer } from '../layers/permute.js'
export type { FixedConcatLayer } from '../layers/concat.js'

const tensorSpec = z.object({ name: z.string(), shape: z.array(z.number().int().positive()), scale, bits: layerBits })

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

export type FixedPointModel = z.infer<typeof fixedPointModelSchema>
export type FixedTensorSpec = z.infer<typeof tensorSpec>
export type FixedInputSpec = z.infer<typeof inputSpec>

/** The tensors a layer reads. */
export function layerInputs(layer: FixedLayer): readonly string[] {
  return layerKindOf(layer).inputs(layer)
}

/** Size of a layer's output vector. */
export function layerOutputSize(layer: FixedLayer): number {
  return layerKindOf(layer).outputSize(layer)
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
