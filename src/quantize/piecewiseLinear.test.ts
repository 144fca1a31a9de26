import { describe, expect, it } from 'vitest'
import { ACTIVATIONS, KNOTS, piecewiseLinear } from './piecewiseLinear.js'

/** Max |f(x) − pwl(x)| over a fine grid that runs well past the outer knots. */
function maxError(fn: keyof typeof KNOTS): number {
  let worst = 0
  for (let x = -20; x <= 20; x += 0.0005) worst = Math.max(worst, Math.abs(ACTIVATIONS[fn](x) - piecewiseLinear(fn, x)))
  return worst
}

describe('piecewise-linear sigmoid and tanh', () => {
  it('stay within the documented error bounds everywhere', () => {
    expect(maxError('sigmoid')).toBeLessThanOrEqual(0.0045)
    expect(maxError('tanh')).toBeLessThanOrEqual(0.0095)
  })

  it('interpolate exactly at the knots and saturate beyond them', () => {
    for (const fn of ['sigmoid', 'tanh'] as const) {
      for (const t of KNOTS[fn]) expect(piecewiseLinear(fn, t)).toBeCloseTo(ACTIVATIONS[fn](t), 12)
      expect(piecewiseLinear(fn, 100)).toBeCloseTo(ACTIVATIONS[fn](KNOTS[fn].at(-1)!), 12)
      expect(piecewiseLinear(fn, -100)).toBeCloseTo(ACTIVATIONS[fn](KNOTS[fn][0]!), 12)
    }
  })
})
