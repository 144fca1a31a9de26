import { z } from 'zod'

/**
 * The widest bit decomposition a template may make: 2^252 < p (the BN254
 * scalar field order, ≈ 2^253.6), so n ≤ 252 bits represent every value in
 * [0, 2^n) exactly once and none wraps the field. See checkFixedPointWidths.
 */
export const MAX_DECOMPOSITION_BITS = 252
/** Every scale is 2^s with |s| ≤ SCALE_LIMIT: beyond it a model's values are not numbers fixed point should represent. */
export const SCALE_LIMIT = 64
/** A tensor's widest allowed signed width: its consumers compare it in one bit more. */
export const MAX_TENSOR_BITS = MAX_DECOMPOSITION_BITS - 1

/** The zod pieces layer schemas are made of (model.json `glassbox/fixed-point@2`). */
export const intString = z.string().regex(/^-?\d+$/, 'an integer as a decimal string')
export const scale = z.number().int().min(-SCALE_LIMIT).max(SCALE_LIMIT)
/** A tensor's signed width: every consumer compares it in at most one bit more. */
export const bits = z.number().int().min(2).max(MAX_DECOMPOSITION_BITS - 1)
/** Rescale shifts: shift + bits ≤ MAX_DECOMPOSITION_BITS (checked with the bits by checkFixedPointWidths). */
export const shift = z.number().int().min(0).max(MAX_DECOMPOSITION_BITS)
export const pair = z.tuple([z.number().int().positive(), z.number().int().positive()])
export const chw = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
export const pads = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)])
export const size = z.number().int().positive()

/** Every layer writes one tensor at a scale, range-checked to `bits` signed bits. */
export const layerBaseShape = { name: z.string(), output: z.string(), scale, bits }

/** Rescale of a linear map: acc at scale (in + weights) → floor(acc / 2^shift) at the output scale, optional ReLU. */
export const rescaleShape = { shift, relu: z.boolean() }

/** A max pool's window (fused into a conv, or its own layer). */
export const poolSchema = z.object({ kernel: pair, stride: pair, pads, outShape: chw })
