/**
 * The constants of a linear layer (dense or conv weights, affine factors) as
 * integers at one product scale P: weight k multiplies an input value at scale
 * 2^featureScale(k), so it is stored at scale 2^(P − featureScale(k)) and
 * every product lands at 2^P. With one input scale this is the usual single
 * weight scale; with per-feature input scales (the model input, see
 * chooseInputScales) the finer features' columns carry the compensating
 * factor, which is how those scales are folded into the first layer.
 *
 * P is the largest product scale at which every weight still fits
 * `weightBits` signed bits (no weight scale above `maxScale`).
 */
export type QuantizedLinearWeights = {
  /** The product (accumulator) scale P. */
  productScale: number
  /** The weights as decimal integer strings, in the order given. */
  ints: string[]
}

export function quantizeLinearWeights(
  values: Float64Array,
  featureScale: (index: number) => number,
  { weightBits, maxScale }: { weightBits: number; maxScale: number },
): QuantizedLinearWeights {
  const largest = new Map<number, number>()
  for (let k = 0; k < values.length; k++) {
    const f = featureScale(k)
    largest.set(f, Math.max(largest.get(f) ?? 0, Math.abs(values[k]!)))
  }
  const top = 2 ** (weightBits - 1) - 1
  let productScale = Infinity
  for (const [f, magnitude] of largest) {
    if (magnitude > 0) productScale = Math.min(productScale, f + Math.min(maxScale, Math.floor(Math.log2(top / magnitude))))
  }
  // All weights zero: nothing constrains P; the products stay at the coarsest input scale.
  if (productScale === Infinity) productScale = Math.min(...largest.keys())
  const ints = Array.from(values, (v, k) => BigInt(Math.round(v * 2 ** (productScale - featureScale(k)))).toString())
  return { productScale, ints }
}
