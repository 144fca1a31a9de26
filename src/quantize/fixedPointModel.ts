import { z } from 'zod'
import { QuantizeError } from '../errors.js'

/**
 * The fixed-point IR (`model.json`). Every tensor is a vector of integers q
 * standing for the reals q / 2^scale; every layer's output is range-checked to
 * `bits` signed bits. Integer arrays are decimal strings so they survive JSON
 * exactly whatever their size.
 */
export const FIXED_POINT_FORMAT = 'glassbox/fixed-point@1'

const intString = z.string().regex(/^-?\d+$/, 'an integer as a decimal string')
const scale = z.number().int().min(-64).max(64)

const denseLayer = z.object({
  kind: z.literal('dense'),
  name: z.string(),
  inFeatures: z.number().int().positive(),
  outFeatures: z.number().int().positive(),
  /** Row-major [outFeatures][inFeatures], at scale `weightScale`. */
  weight: z.array(intString),
  /** At scale inputScale + weightScale, including the rounding offset 2^(shift-1). */
  bias: z.array(intString),
  inputScale: scale,
  weightScale: scale,
  outputScale: scale,
  /** Bits dropped by the rescale: inputScale + weightScale - outputScale. */
  shift: z.number().int().min(0),
  relu: z.boolean(),
})

const affineLayer = z.object({
  kind: z.literal('affine'),
  name: z.string(),
  size: z.number().int().positive(),
  factor: z.array(intString),
  offset: z.array(intString),
  inputScale: scale,
  factorScale: scale,
  outputScale: scale,
  shift: z.number().int().min(0),
  relu: z.boolean(),
})

const reluLayer = z.object({
  kind: z.literal('relu'),
  name: z.string(),
  size: z.number().int().positive(),
  scale,
})

export const fixedLayerSchema = z.discriminatedUnion('kind', [denseLayer, affineLayer, reluLayer])

const tensorSpec = z.object({
  name: z.string(),
  shape: z.array(z.number().int().positive()),
  scale,
})

export const fixedPointModelSchema = z.object({
  format: z.literal(FIXED_POINT_FORMAT),
  name: z.string(),
  /** B: every activation is a signed B-bit integer. */
  bits: z.number().int().min(4).max(48),
  input: tensorSpec,
  output: tensorSpec,
  layers: z.array(fixedLayerSchema).min(1),
  /** Calibrated max |value| per layer output (float), kept for reports. */
  calibration: z.object({
    samples: z.number().int().nonnegative(),
    headroomBits: z.number().int().min(0),
    maxAbs: z.record(z.string(), z.number()),
  }),
})

export type FixedLayer = z.infer<typeof fixedLayerSchema>
export type FixedDenseLayer = z.infer<typeof denseLayer>
export type FixedAffineLayer = z.infer<typeof affineLayer>
export type FixedReluLayer = z.infer<typeof reluLayer>
export type FixedPointModel = z.infer<typeof fixedPointModelSchema>

/** Size of a layer's output vector. */
export function layerOutputSize(layer: FixedLayer): number {
  switch (layer.kind) {
    case 'dense':
      return layer.outFeatures
    case 'affine':
    case 'relu':
      return layer.size
    default:
      return layer satisfies never
  }
}

/**
 * Validates a parsed `model.json`.
 * @throws {QuantizeError} listing the schema problems.
 */
export function parseFixedPointModel(value: unknown, source = 'model.json'): FixedPointModel {
  const result = fixedPointModelSchema.safeParse(value)
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new QuantizeError(`${source} is not a valid glassbox fixed-point model.`, {
      details: `${problems.join('; ')}. Recompile the model with \`glassbox compile\`.`,
    })
  }
  return result.data
}
