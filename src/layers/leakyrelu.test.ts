/**
 * Leaky ReLU (LeakyRelu): as emitted, with random slopes, circuit =
 * evaluator, exact cost, forged outputs rejected; then the template's
 * soundness tests.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, bitNames, expectOnlyHonest, flippedSignBits, forgeAs, grid } from '../../test/support/forgery.js'
import { B, TIMEOUT, LEVELS, compileMain as compile, oneLayer, io, layerCost, expectMatchesEvaluator, floorDiv } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import type { Signals } from '../../test/support/forgery.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(17)
const leakyCase = (alpha: number): LayerCase => {
  const layer: FixedLayer = { kind: 'leakyrelu', name: 'leaky', input: 'x', output: 'y', scale: 0, bits: B, size: 4, alpha: String(alpha), alphaShift: 8 }
  return { title: `alpha ${alpha}/256`, layer, inputSizes: [4], inputs: drawInputs(layer, [4], { random, bits: [B] }).accepted }
}

describeLayerCircuit('leakyrelu as emitted', [leakyCase(3), leakyCase(51), leakyCase(200)])

describe('LeakyRelu', () => {
  const leaky: FixedLayer = { kind: 'leakyrelu', ...io, bits: B, size: 6, alpha: '26', alphaShift: 8 }
  const main = `= LeakyRelu(6, ${B}, 26, 8)`

  it('passes with x for x ≥ 0 and floor(alpha·x / 2^T) below, at the evaluator’s cost', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(leaky, 6, 6), [[-128n, -10n, -1n, 0n, 1n, 127n], [-50n, -9n, 9n, 50n, -100n, 100n]])
    expect(t.constraintCount).toBe(layerCost(oneLayer(leaky, 6, 6)))
  }, TIMEOUT)

  it('fails witness generation for an input outside B bits', async () => {
    const t = await compile(main)
    for (const bad of [128n, -129n]) await t.expectFail({ in: [bad, 0n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a negative value passed through and a positive one scaled, sign bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= LeakyRelu(1, ${B}, 26, 8)`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const sign = flip ? flippedSignBits(x, B) : attackerBits(x + 128n, B)
      const acc = 26n * x
      const nbits = attackerBits(acc + (1n << BigInt(8 + B - 1)), 8 + B)
      const neg = floorDiv(acc, 8)
      const values: Signals = { 'main.in[0]': x, 'main.out[0]': neg + sign[B - 1]! * (x - neg) }
      bitNames('main.sbits[0]', B).forEach((name, b) => (values[name] = sign[b]!))
      bitNames('main.nbits[0]', 8 + B).forEach((name, b) => (values[name] = nbits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-100n, -1n, 1n, 100n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the leaky ReLU over every bit assignment (B = 3, alpha = 3/4, --O%i)', async (O) => {
    const t = await compile('= LeakyRelu(1, 3, 3, 2)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -8, 8),
      bits: [...bitNames('main.sbits[0]', 3), ...bitNames('main.nbits[0]', 5)],
      derive: ([x], bit) => {
        const neg = bit('main.nbits[0][2]') + 2n * bit('main.nbits[0][3]') + 4n * bit('main.nbits[0][4]') - 4n
        return { 'main.out[0]': neg + bit('main.sbits[0][2]') * (x! - neg) }
      },
      expected: ([x]) => ({ 'main.out[0]': x! >= 0n ? x! : floorDiv(3n * x!, 2) }),
    })
  }, TIMEOUT)
})
