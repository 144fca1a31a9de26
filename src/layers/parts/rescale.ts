/**
 * The rescale shared by every linear layer (dense, conv, affine) and the
 * piecewise-linear activation: an accumulator at scale 2^(in + weights),
 * floor-divided by 2^shift to the output scale, range-checked, optional ReLU
 * (circuits/glassbox.circom `RescaleOne`). Its cost, its description and the
 * quantizer's choice of shift and rounding live here so the kinds agree.
 */

/** The fields of a rescaled layer. */
export type Rescaled = { shift: number; bits: number; relu: boolean }

/**
 * Constraints of one RescaleOne: the (shift + bits)-bit decomposition, plus
 * one for the ReLU's product; --O1 also keeps the decomposition's sum and the
 * linear output (the ReLU's product replaces the latter).
 */
export function rescaleConstraints({ shift, bits, relu }: Rescaled, o1: boolean): number {
  return shift + bits + (relu ? 1 : 0) + (o1 ? (relu ? 1 : 2) : 0)
}

/** `rescale by 2^shift to B bits[, ReLU]`, for the generated circuit's comments. */
export function describeRescale({ shift, bits, relu }: Rescaled): string {
  return `rescale by 2^${shift} to ${bits} bits${relu ? ', ReLU' : ''}`
}

/** The product scale can only be rescaled down: if the wanted output scale is finer, settle for the product's. */
export function rescaleFor(productScale: number, wantedScale: number): { outputScale: number; shift: number } {
  const outputScale = Math.min(productScale, wantedScale)
  return { outputScale, shift: productScale - outputScale }
}

/** Addends at the accumulator scale, plus 2^(shift−1) so the floor division rounds to nearest. */
export function addendInts(values: Float64Array, scale: number, shift: number): string[] {
  const rounding = shift > 0 ? 1n << BigInt(shift - 1) : 0n
  return Array.from(values, (v) => (BigInt(Math.round(v * 2 ** scale)) + rounding).toString())
}
