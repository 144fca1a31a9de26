import type { SmoothActivationOp } from '../model/ir.js'
import type { FixedPiecewiseLinearLayer } from './fixedPointModel.js'

/**
 * Sigmoid and tanh become piecewise-linear interpolations through fixed
 * knots, constant beyond the outer knots, written as a sum of hinges
 * f(x) ≈ f(t₀) + Σ_j h_j·max(0, x − t_j): each hinge costs one comparison in
 * the circuit. Knots are denser where the curvature is high.
 *
 * Float error of the interpolation itself (before fixed-point rounding),
 * checked by piecewiseLinear.test.ts: sigmoid ≤ 0.0045, tanh ≤ 0.0095 over
 * the whole real line.
 */
export const KNOTS = {
  sigmoid: [-8, -6, -5, -4, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8],
  tanh: [-4, -3, -2.5, -2, -1.5, -1.25, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4],
} as const

export const ACTIVATIONS = {
  sigmoid: (x: number) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
} as const

/** The float interpolation (the reference the fixed-point layer approximates). */
export function piecewiseLinear(fn: keyof typeof KNOTS, x: number): number {
  const { base, hinges } = hingeForm(fn)
  let y = base
  KNOTS[fn].forEach((t, j) => {
    if (x > t) y += hinges[j]! * (x - t)
  })
  return y
}

function hingeForm(fn: keyof typeof KNOTS): { base: number; hinges: number[] } {
  const knots = KNOTS[fn]
  const f = ACTIVATIONS[fn]
  const slopes = knots.slice(0, -1).map((t, j) => (f(knots[j + 1]!) - f(t)) / (knots[j + 1]! - t))
  // Slope 0 left of the first knot, each segment's slope after it, 0 again after the last.
  const hinges = knots.map((_, j) => (slopes[j] ?? 0) - (slopes[j - 1] ?? 0))
  return { base: f(knots[0]!), hinges }
}

export type FitPiecewiseLinearContext = { inputScale: number; inputBits: number; bits: number; size: number }

/** Quantizes the hinge form for an input at 2^inputScale; the output lands at 2^(bits − 2) (|f| ≤ 1). */
export function fitPiecewiseLinear(op: SmoothActivationOp, { inputScale, inputBits, bits, size }: FitPiecewiseLinearContext): FixedPiecewiseLinearLayer {
  const { base, hinges } = hingeForm(op.kind)
  const hingeScale = bits - 2
  const outputScale = bits - 2
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
    hinges: hinges.map((h) => String(Math.round(h * 2 ** hingeScale))),
  }
}
