/**
 * The exponential inside softmax: e(d) ≈ 2^SE · exp(−d / 2^s) for d ≥ 0 (d =
 * max − x at the input scale 2^s), as an integer piecewise-linear function
 * with integer slopes, so that the circuit (SoftmaxGroup in
 * circuits/nonlinear.circom) and the evaluator compute the same integers:
 *
 *   e(d) = base − slope0·d + Σ_j hinge_j · max(0, d − knot_j)
 *
 * Knots (real units) are spaced 0.15·e^(t/2) apart, so the chord error of
 * exp on each segment, h²·e^(−t)/8, stays below 0.15²/8 ≈ 0.0028 of e(0);
 * past t = 10 (e^(−10) ≈ 4.5e-5) e is 0. Slopes are rounded along the way
 * (each segment aims at the exact value at its end from the rounded value at
 * its start), so rounding errors do not accumulate; SE ≥ s + 12 keeps each
 * slope at least 12 bits. The fit is nonincreasing from base down to ≥ 0,
 * which the circuit's sum bound relies on. Errors (of e(0) = 1), checked by
 * softmax.test.ts: the real interpolation ≤ 0.0027 (17 knots); the integer
 * fit ≤ 0.0032 at input scales ≥ 2^4, ≤ 0.009 at 2^2 (knots merge on the
 * coarse grid).
 */

/** The real knots t_0 = 0 < t_1 < … < t_L = 10, where e is clamped to 0. */
export function expKnots(): number[] {
  const knots = [0]
  while (knots.at(-1)! < 10) knots.push(Math.min(10, knots.at(-1)! + 0.15 * Math.exp(knots.at(-1)! / 2)))
  return knots
}

/** The real interpolation through (t_j, e^(−t_j)), 0 at and past the last knot. */
export function expInterpolation(t: number): number {
  const knots = expKnots()
  if (t >= knots.at(-1)!) return 0
  const j = knots.findIndex((k, i) => t >= k && t < knots[i + 1]!)
  const a = knots[j]!
  const b = knots[j + 1]!
  const fb = j + 1 === knots.length - 1 ? 0 : Math.exp(-b)
  return Math.exp(-a) + ((fb - Math.exp(-a)) * (t - a)) / (b - a)
}

export type ExpFit = { base: bigint; slope0: bigint; knots: bigint[]; hinges: bigint[]; valueScale: number }

/**
 * @param inputScale s: d is at scale 2^s.
 * @param inputBits d < 2^inputBits (max − x of inputBits-bit signed values): knots beyond are never reached and left out.
 */
export function fitExp(inputScale: number, inputBits: number): ExpFit {
  const valueScale = Math.max(20, inputScale + 12)
  const base = 1n << BigInt(valueScale)
  const limit = 1n << BigInt(inputBits)
  const real = expKnots()
  // Integer knot positions, distinct and increasing.
  const positions: bigint[] = [0n]
  const targets: number[] = [1]
  real.slice(1).forEach((t, j) => {
    const k = BigInt(Math.round(t * 2 ** inputScale))
    if (k > positions.at(-1)!) {
      positions.push(k)
      // The exact value at the rounded position (coarse input scales merge knots).
      targets.push(j + 1 === real.length - 1 ? 0 : Math.exp(-Number(k) / 2 ** inputScale))
    }
  })
  const slopes: bigint[] = []
  let value = base
  for (let j = 0; j + 1 < positions.length && positions[j]! < limit; j++) {
    const width = positions[j + 1]! - positions[j]!
    const target = BigInt(Math.round(targets[j + 1]! * 2 ** valueScale))
    let slope = roundDiv(target - value, width)
    // Never below 0 at the segment's end (the last segment lands on 0 or just above).
    if (value + slope * width < 0n) slope = -(value / width)
    if (slope > 0n) slope = 0n
    slopes.push(slope)
    value += slope * width
  }
  // Slope 0 after the last knot reached (or none when the first segment already spans the range).
  const knots = positions.slice(1, slopes.length + 1).filter((k) => k < limit)
  const hinges = knots.map((_, j) => (slopes[j + 1] ?? 0n) - slopes[j]!)
  // A knot at or beyond 2^inputBits is never passed: its segment's slope simply continues.
  return { base, slope0: -(slopes[0] ?? 0n), knots, hinges, valueScale }
}

/** An exp fit's constants as integers: what `evaluateExp` takes. */
export type ExpFitInts = { base: bigint; slope0: bigint; knots: readonly bigint[]; hinges: readonly bigint[] }

/** e(d) of a fit, as the circuit computes it. */
export function evaluateExp(fit: ExpFitInts, d: bigint): bigint {
  let e = fit.base - fit.slope0 * d
  for (let j = 0; j < fit.knots.length; j++) if (d > fit.knots[j]!) e += fit.hinges[j]! * (d - fit.knots[j]!)
  return e
}

function roundDiv(a: bigint, b: bigint): bigint {
  // Round half away from zero, for b > 0.
  return a >= 0n ? (2n * a + b) / (2n * b) : -((-2n * a + b) / (2n * b))
}
