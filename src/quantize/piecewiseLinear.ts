import { erf, gelu } from '../model/nonlinearKernels.js'
import type { FixedPiecewiseLinearLayer } from './fixedPointModel.js'

/**
 * Sigmoid and tanh become piecewise-linear interpolations through fixed
 * knots, constant beyond the outer knots, written as a sum of hinges
 * f(x) ≈ f(t₀) + Σ_j h_j·max(0, x − t_j): each hinge costs one comparison in
 * the circuit. Knots are denser where the curvature is high.
 *
 * GELU and erf take the same form: erf saturates at ±1 like tanh; GELU is
 * constant (≈ 0) left of its first knot and has slope 1 right of its last
 * (GELU(x) → x), which `TAIL_SLOPE` says and the quantized hinges keep exactly
 * (their sum is rounded as a whole, so the tail does not drift).
 *
 * Float error of the interpolation itself (before fixed-point rounding),
 * checked by piecewiseLinear.test.ts over the whole real line: sigmoid
 * ≤ 0.0045, tanh ≤ 0.0095, GELU ≤ 0.0062 (also of its tanh form), erf ≤ 0.0075.
 */
export const KNOTS = {
  sigmoid: [-8, -6, -5, -4, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8],
  tanh: [-4, -3, -2.5, -2, -1.5, -1.25, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4],
  gelu: [-4, -3, -2.5, -2, -1.5, -1.25, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4],
  erf: [-3, -2.5, -2, -1.75, -1.5, -1.25, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3],
} as const

export const ACTIVATIONS = {
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  gelu: (x: number) => gelu(x),
  erf,
} as const

/** The function a `pwl` layer approximates. */
export type PiecewiseFunction = keyof typeof KNOTS

/** Slopes left of the first knot and right of the last. */
export const TAIL_SLOPE: Readonly<Record<PiecewiseFunction, readonly [number, number]>> = { sigmoid: [0, 0], tanh: [0, 0], gelu: [0, 1], erf: [0, 0] }

/** The largest |f| for outputs at a fixed scale (|f| ≤ 1); undefined for GELU, whose output scale comes from calibration. */
const BOUNDED: Readonly<Record<PiecewiseFunction, boolean>> = { sigmoid: true, tanh: true, gelu: false, erf: true }

/** The float interpolation (the reference the fixed-point layer approximates). */
export function piecewiseLinear(fn: PiecewiseFunction, x: number): number {
  const { base, hinges } = hingeForm(fn)
  let y = base
  KNOTS[fn].forEach((t, j) => {
    if (x > t) y += hinges[j]! * (x - t)
  })
  return y
}

function hingeForm(fn: PiecewiseFunction): { base: number; hinges: number[] } {
  const knots = KNOTS[fn]
  const f = ACTIVATIONS[fn]
  const [left, right] = TAIL_SLOPE[fn]
  const slopes = knots.slice(0, -1).map((t, j) => (f(knots[j + 1]!) - f(t)) / (knots[j + 1]! - t))
  // The left tail's slope before the first knot (in `base`'s line), each segment's slope after it, the right tail's after the last.
  const hinges = knots.map((_, j) => (slopes[j] ?? right) - (slopes[j - 1] ?? left))
  if (left !== 0) throw new RangeError(`piecewise ${fn}: a sloped left tail is not in the hinge form`)
  return { base: f(knots[0]!), hinges }
}

export type FitPiecewiseLinearContext = {
  inputScale: number
  inputBits: number
  bits: number
  size: number
  /** The calibrated output scale: used for unbounded functions (GELU); bounded ones land at 2^(bits − 2). */
  outputScale?: number
}

/** An op a `pwl` layer approximates. */
export type PiecewiseOp = { kind: PiecewiseFunction; name: string; input: string; output: string }

/** Quantizes the hinge form for an input at 2^inputScale; the output lands at 2^(bits − 2) (|f| ≤ 1), or at the calibrated scale for GELU. */
export function fitPiecewiseLinear(op: PiecewiseOp, { inputScale, inputBits, bits, size, outputScale: calibrated }: FitPiecewiseLinearContext): FixedPiecewiseLinearLayer {
  const { base, hinges } = hingeForm(op.kind)
  const hingeScale = bits - 2
  const outputScale = BOUNDED[op.kind] ? bits - 2 : Math.min(calibrated ?? bits - 2, inputScale + hingeScale)
  const hingeInts = hinges.map((h) => Math.round(h * 2 ** hingeScale))
  if (op.kind === 'gelu' || op.kind === 'erf') {
    // The far right's slope is the sum of the hinges: round it as a whole (the last hinge takes the difference).
    const tail = Math.round(TAIL_SLOPE[op.kind][1] * 2 ** hingeScale)
    hingeInts[hingeInts.length - 1]! += tail - hingeInts.reduce((a, b) => a + b, 0)
  }
  const accScale = inputScale + hingeScale
  const shift = Math.max(0, accScale - outputScale)
  const limit = 2 ** (inputBits - 1)
  const rounding = shift > 0 ? 2 ** (shift - 1) : 0
  return {
    kind: 'pwl',
    name: op.name,
    input: op.input,
    output: op.output,
    fn: op.kind,
    size,
    scale: accScale - shift,
    bits,
    shift,
    inputBits,
    base: String(BigInt(Math.round(base * 2 ** accScale)) + BigInt(rounding)),
    knots: KNOTS[op.kind].map((t) => String(Math.max(-limit, Math.min(limit - 1, Math.round(t * 2 ** inputScale))))),
    hinges: hingeInts.map(String),
  }
}
