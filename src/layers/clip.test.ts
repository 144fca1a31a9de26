/**
 * Clip (Clip): as emitted, with both, one or no bounds, circuit = evaluator,
 * exact cost, forged outputs rejected; then the template's soundness tests.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, bitNames, expectOnlyHonest, flippedSignBits, forgeAs, grid } from '../../test/support/forgery.js'
import { B, TIMEOUT, LEVELS, compileMain as compile, oneLayer, io, layerCost, expectMatchesEvaluator } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import type { Signals } from '../../test/support/forgery.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(16)
const clipCase = (min: string | null, max: string | null): LayerCase => {
  const layer: FixedLayer = { kind: 'clip', name: 'clip', input: 'x', output: 'y', scale: 0, bits: B, size: 5, min, max }
  return { title: `[${min ?? '-∞'}, ${max ?? '∞'}]`, layer, inputSizes: [5], inputs: drawInputs(layer, [5], { random, bits: [B] }).accepted }
}

describeLayerCircuit('clip as emitted', [clipCase('-20', '50'), clipCase(null, '0'), clipCase('-5', null)])

describe('Clip', () => {
  const clip = (min: string | null, max: string | null): FixedLayer => ({ kind: 'clip', ...io, bits: B, size: 6, min, max })
  const flag = (v: string | null) => (v === null ? '0, 0' : `1, ${v}`)
  const inputs = [[-128n, -21n, -20n, 0n, 50n, 127n], [51n, 49n, -19n, 3n, -100n, 100n]]

  it.each([['-20', '50'], ['-20', null], [null, '50']] as const)('passes with clip to [%s, %s]', async (min, max) => {
    const t = await compile(`= Clip(6, ${B}, ${flag(min)}, ${flag(max)})`)
    await expectMatchesEvaluator(t, oneLayer(clip(min, max), 6, 6), inputs)
    expect(t.constraintCount).toBe(layerCost(oneLayer(clip(min, max), 6, 6)))
  }, TIMEOUT)

  it('fails witness generation for an input too far from a bound (not B-bit)', async () => {
    const t = await compile(`= Clip(6, ${B}, 1, -20, 1, 50)`)
    await t.expectFail({ in: [300n, 0n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a value passed through below the lower bound, comparison bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= Clip(1, ${B}, 1, -20, 0, 0)`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const d = x + 20n
      const bits = flip ? flippedSignBits(d, B + 1) : attackerBits(d + 256n, B + 1)
      const low = -20n + bits[B]! * d
      const values: Signals = { 'main.in[0]': x, 'main.low[0]': low, 'main.out[0]': low }
      bitNames('main.lobits[0]', B + 1).forEach((name, b) => (values[name] = bits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-100n, -21n, 5n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the clipped value over every bit assignment (B = 3, [−2, 2], --O%i)', async (O) => {
    const t = await compile('= Clip(1, 3, 1, -2, 1, 2)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -10, 10),
      bits: [...bitNames('main.lobits[0]', 4), ...bitNames('main.hibits[0]', 4)],
      derive: ([x], bit) => {
        const low = -2n + bit('main.lobits[0][3]') * (x! + 2n)
        return { 'main.low[0]': low, 'main.out[0]': 2n - bit('main.hibits[0][3]') * (2n - low) }
      },
      expected: ([x]) => ({ 'main.out[0]': x! < -2n ? -2n : x! > 2n ? 2n : x! }),
    })
  }, TIMEOUT)
})
