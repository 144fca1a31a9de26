/**
 * Sigmoid and tanh as piecewise-linear hinge sums (PiecewiseLinear): as
 * emitted, fitted at random input scales, circuit = evaluator, exact cost,
 * forged outputs rejected, overflow refused; then the template tests.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, bitNames, expectOnlyHonest, flippedSignBits, forgeAs, grid } from '../../test/support/forgery.js'
import { B, TIMEOUT, LEVELS, compileMain as compile, oneLayer, io, layerCost, expectMatchesEvaluator, floorDiv, max0 } from './testing/templateTesting.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import type { Signals } from '../../test/support/forgery.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'
import { fitPiecewiseLinear } from '../quantize/piecewiseLinear.js'

const random = seededIntegers(18)
function pwlCase(fn: 'sigmoid' | 'tanh', inputScale: number): LayerCase {
  const layer = fitPiecewiseLinear({ kind: fn, name: fn, input: 'x', output: 'y' }, { inputScale, inputBits: B, bits: B, size: 3 })
  const { accepted, rejected } = drawInputs(layer, [3], { random, bits: [B] })
  return { title: `${fn}, input at 2^${inputScale}`, layer, inputSizes: [3], inputs: accepted, rejected }
}

describeLayerCircuit('pwl as emitted', [pwlCase('sigmoid', 4), pwlCase('tanh', 5)])

describe('PiecewiseLinear', () => {
  const pwl = (): FixedLayer => ({
    kind: 'pwl', ...io, bits: B, inputBits: B, shift: 2, size: 4, fn: 'tanh', base: '5', knots: ['-50', '0', '40'], hinges: ['6', '-1', '-2'],
  })
  const main = `= PiecewiseLinear(4, ${B}, 3, [-50,0,40], [6,-1,-2], 5, 2, ${B})`

  it('passes with the hinge sum rescaled, at the evaluator’s cost', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(pwl(), 4, 4), [[-128n, -50n, -49n, 0n], [20n, 40n, 41n, -10n]])
    expect(t.constraintCount).toBe(layerCost(oneLayer(pwl(), 4, 4)))
  }, TIMEOUT)

  it('fails witness generation when the result overflows B bits', async () => {
    const t = await compile(main)
    expect(() => evaluateFixed(oneLayer(pwl(), 4, 4), [60n, 0n, 0n, 0n])).toThrow()
    await t.expectFail({ in: [60n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a hinge switched off, its bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= PiecewiseLinear(1, ${B}, 1, [0], [4], 2, 2, ${B})`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const hbits = flip ? flippedSignBits(x, B + 1) : attackerBits(x + 256n, B + 1)
      const hinge = hbits[B]! * x
      const acc = 2n + 4n * hinge
      const values: Signals = { 'main.in[0]': x, 'main.hinge[0][0]': hinge, 'main.out[0]': floorDiv(acc, 2) }
      bitNames('main.hbits[0][0]', B + 1).forEach((name, b) => (values[name] = hbits[b]!))
      attackerBits(acc + (1n << BigInt(2 + B - 1)), 2 + B).forEach((bit, b) => (values[`main.rbits[0][${b}]`] = bit))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-30n, -1n, 1n, 30n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the interpolated value over every bit assignment (two hinges, --O%i)', async (O) => {
    const t = await compile('= PiecewiseLinear(1, 3, 2, [-1,2], [3,-2], 1, 1, 4)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -6, 6),
      bits: [...bitNames('main.hbits[0][0]', 4), ...bitNames('main.hbits[0][1]', 4), ...bitNames('main.rbits[0]', 5)],
      derive: ([x], bit) => {
        const h0 = bit('main.hbits[0][0][3]') * (x! + 1n)
        const h1 = bit('main.hbits[0][1][3]') * (x! - 2n)
        const q = [1, 2, 3, 4].reduce((s, b) => s + bit(`main.rbits[0][${b}]`) * (1n << BigInt(b - 1)), 0n) - 8n
        return { 'main.hinge[0][0]': h0, 'main.hinge[0][1]': h1, 'main.out[0]': q }
      },
      expected: ([x]) => ({ 'main.out[0]': floorDiv(1n + 3n * max0(x! + 1n) - 2n * max0(x! - 2n), 1) }),
    })
  }, TIMEOUT)
})
