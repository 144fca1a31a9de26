import { RangeOverflowError } from '../../errors.js'

/**
 * The integer operations the layer templates are made of, as the evaluator
 * computes them: floor division (BigInt's >> is an arithmetic shift), signed
 * range checks that throw where the circuit would have no witness, ReLU.
 */

/** floor(acc / 2^shift) for every value, range-checked to `bits`, then ReLU when asked: the RescaleOne template. */
export function rescaleAll(acc: readonly bigint[], shift: number, bits: number, applyRelu: boolean, where: string): bigint[] {
  const s = BigInt(shift)
  const q = acc.map((a) => a >> s)
  checkRange(q, bits, where)
  return applyRelu ? q.map(relu) : q
}

export function relu(q: bigint): bigint {
  return q < 0n ? 0n : q
}

/** @throws {RangeOverflowError} for the first value outside `bits` signed bits, naming `where` and its index. */
export function checkRange(values: readonly bigint[], bits: number, where: string): void {
  const limit = 1n << BigInt(bits - 1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < -limit || v >= limit) {
      throw new RangeOverflowError(`Value ${v} at ${where}[${i}] does not fit in ${bits} signed bits.`, {
        details:
          'The input drives the model outside the range it was calibrated for. Recompile with a calibration set that covers such inputs, or with more --bits or --headroom.',
      })
    }
  }
}

/** The max of each window's values (its first position first, as MaxPool2d and ConvChannel compare). */
export function windowMax(values: readonly bigint[], positions: readonly number[]): bigint {
  return positions.reduce((m, p) => (values[p]! > m ? values[p]! : m), values[positions[0]!]!)
}

// The model is immutable and evaluated once per input: convert each weight
// array to BigInts once, not on every inference.
const bigIntCache = new WeakMap<readonly string[], bigint[]>()
export function asBigInts(values: readonly string[]): bigint[] {
  let converted = bigIntCache.get(values)
  if (!converted) {
    converted = values.map(BigInt)
    bigIntCache.set(values, converted)
  }
  return converted
}

// Integer sums in float64 are exact while every partial sum stays below 2^53
// in magnitude. A layer's sums are bounded by |bias| + (weights per output) ·
// max|w| · max|x|, so when that bound fits, the accumulation runs on doubles
// (an order of magnitude faster than BigInt) and yields the same integers;
// otherwise it stays on BigInt. The bound is checked on every input.
const FLOAT64_EXACT = 2 ** 53
type Float64Weights = { weight: Float64Array; bias: Float64Array; maxWeight: number; maxBias: number }
const float64Cache = new WeakMap<readonly string[], Float64Weights | null>()

function float64Weights(layer: { weight: readonly string[]; bias: readonly string[] }): Float64Weights | null {
  let cached = float64Cache.get(layer.weight)
  if (cached === undefined) {
    const weight = Float64Array.from(layer.weight, Number)
    const bias = Float64Array.from(layer.bias, Number)
    const maxWeight = weight.reduce((m, w) => Math.max(m, Math.abs(w)), 0)
    const maxBias = bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0)
    // Weights or biases beyond 2^53 do not even convert exactly.
    cached = maxWeight < FLOAT64_EXACT && maxBias < FLOAT64_EXACT ? { weight, bias, maxWeight, maxBias } : null
    float64Cache.set(layer.weight, cached)
  }
  return cached
}

/** The layer's weights and the input as doubles when every sum of `terms` products (plus a bias) is exact in float64; otherwise null. */
export function exactInFloat64(
  layer: { weight: readonly string[]; bias: readonly string[] },
  x: readonly bigint[],
  terms: number,
): { weight: Float64Array; bias: Float64Array; x: Float64Array } | null {
  const weights = float64Weights(layer)
  if (!weights || !sumsExact(weights.maxWeight, weights.maxBias, x, terms)) return null
  return { weight: weights.weight, bias: weights.bias, x: Float64Array.from(x, Number) }
}

function maxAbs(values: readonly bigint[]): bigint {
  let max = 0n
  for (const v of values) {
    const a = v < 0n ? -v : v
    if (a > max) max = a
  }
  return max
}

function sumsExact(maxWeight: number, maxBias: number, x: readonly bigint[], terms: number): boolean {
  return maxBias + terms * maxWeight * Number(maxAbs(x)) < FLOAT64_EXACT / 2
}

/**
 * {@link exactInFloat64} for weights given as integers (a committed layer's
 * private weights, known only per witness): the doubles when every sum of
 * `terms` products plus a bias is exact, otherwise null.
 */
export function exactIntegersInFloat64(
  weight: readonly bigint[],
  bias: readonly bigint[],
  x: readonly bigint[],
  terms: number,
): { weight: Float64Array; bias: Float64Array; x: Float64Array } | null {
  const maxWeight = Number(maxAbs(weight))
  const maxBias = Number(maxAbs(bias))
  if (maxWeight >= FLOAT64_EXACT || maxBias >= FLOAT64_EXACT || !sumsExact(maxWeight, maxBias, x, terms)) return null
  return { weight: Float64Array.from(weight, Number), bias: Float64Array.from(bias, Number), x: Float64Array.from(x, Number) }
}
