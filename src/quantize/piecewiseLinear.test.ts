import { describe, expect, it } from 'vitest'
import { gelu } from '../model/nonlinearKernels.js'
import { ACTIVATIONS, KNOTS, piecewiseLinear, type PiecewiseFunction } from './piecewiseLinear.js'

/** Max |f(x) − pwl(x)| over a fine grid that runs well past the outer knots. */
function maxError(fn: PiecewiseFunction, f: (x: number) => number = ACTIVATIONS[fn]): number {
  let worst = 0
  for (let x = -20; x <= 20; x += 0.0005) worst = Math.max(worst, Math.abs(f(x) - piecewiseLinear(fn, x)))
  return worst
}

describe('piecewise-linear sigmoid and tanh', () => {
  it('stay within the documented error bounds everywhere', () => {
    expect(maxError('sigmoid')).toBeLessThanOrEqual(0.0045)
    expect(maxError('tanh')).toBeLessThanOrEqual(0.0095)
    expect(maxError('gelu')).toBeLessThanOrEqual(0.0062)
    expect(maxError('gelu', (x) => gelu(x, 'tanh'))).toBeLessThanOrEqual(0.0062)
    expect(maxError('erf')).toBeLessThanOrEqual(0.0075)
  })

  it('GELU has slope 1 right of its last knot and ≈ 0 left of its first', () => {
    expect(piecewiseLinear('gelu', 100) - piecewiseLinear('gelu', 50)).toBeCloseTo(50, 9)
    expect(Math.abs(piecewiseLinear('gelu', -100))).toBeLessThan(2e-4)
  })

  it('interpolate exactly at the knots and saturate beyond them', () => {
    for (const fn of ['sigmoid', 'tanh', 'erf'] as const) {
      for (const t of KNOTS[fn]) expect(piecewiseLinear(fn, t)).toBeCloseTo(ACTIVATIONS[fn](t), 12)
      expect(piecewiseLinear(fn, 100)).toBeCloseTo(ACTIVATIONS[fn](KNOTS[fn].at(-1)!), 12)
      expect(piecewiseLinear(fn, -100)).toBeCloseTo(ACTIVATIONS[fn](KNOTS[fn][0]!), 12)
    }
  })
})
