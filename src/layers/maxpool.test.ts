/**
 * The standalone max pool (MaxPool2d): as emitted, on random images with
 * padding, and over inputs with constant zeros (what a pad layer wires in),
 * circuit = evaluator, exact cost at --O1/--O2 (the folded-comparison rule),
 * forged outputs rejected; then the template's soundness tests.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, bitNames, expectOnlyHonest, flippedSignBits, forgeAs, grid } from '../../test/support/forgery.js'
import { B, TIMEOUT, LEVELS, compileMain as compile, oneLayer, io, layerCost, expectMatchesEvaluator } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import type { Signals } from '../../test/support/forgery.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(15)
function poolCase(title: string, { c, h, w, k, stride, pads, bits = B, constant }: { c: number; h: number; w: number; k: number; stride: number; pads: [number, number, number, number]; bits?: number; constant?: (index: number) => boolean }): LayerCase {
  const oh = Math.floor((h + pads[0] + pads[2] - k) / stride) + 1
  const ow = Math.floor((w + pads[1] + pads[3] - k) / stride) + 1
  const layer: FixedLayer = { kind: 'maxpool', name: 'pool', input: 'x', output: 'y', scale: 0, bits, inShape: [c, h, w], outShape: [c, oh, ow], kernel: [k, k], stride: [stride, stride], pads }
  const size = c * h * w
  const mask = constant ? Array.from({ length: size }, (_, i) => constant(i)) : undefined
  // Constant positions are zeros (the circuit wires them so); the evaluator must see the same values.
  const inputs = drawInputs(layer, [size], { random, bits: [bits] }).accepted.map(([x]) => [x!.map((v, i) => (mask?.[i] ? 0n : v))])
  return { title, layer, inputSizes: [size], inputs, ...(mask ? { constantInputs: [mask] } : {}) }
}

describeLayerCircuit('maxpool as emitted', [
  poolCase('2×2, stride 1, pad 1 (short border windows)', { c: 1, h: 2, w: 3, k: 2, stride: 1, pads: [1, 1, 1, 1] }),
  poolCase('2 channels, 2×2, stride 2', { c: 2, h: 4, w: 4, k: 2, stride: 2, pads: [0, 0, 0, 0], bits: 6 }),
  // One-position windows: no comparison, the row of each output pinned to zero (WIN == 1).
  poolCase('1×1, stride 2 (a subsampling, WIN = 1)', { c: 2, h: 3, w: 3, k: 1, stride: 2, pads: [0, 0, 0, 0] }),
  // A padded image: the outer ring is constant zeros, so --O2 folds comparisons between them.
  poolCase('over a zero-padded image (constant ring)', { c: 1, h: 4, w: 4, k: 2, stride: 1, pads: [0, 0, 0, 0], constant: (i) => i < 4 || i >= 12 || i % 4 === 0 || i % 4 === 3 }),
])

describe('MaxPool2d', () => {
  // 2×3 image, 2×2 kernel, stride 1, padding 1 on every side → 3×4; padding is never selected.
  const pool: FixedLayer = { kind: 'maxpool', ...io, bits: B, inShape: [1, 2, 3], outShape: [1, 3, 4], kernel: [2, 2], stride: [1, 1], pads: [1, 1, 1, 1] }
  const main = `= MaxPool2d(1, 2, 3, 2, 2, 1, 1, 1, 1, 3, 4, ${B})`

  it('passes with the max of every window (padding never selected, even all-negative)', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(pool, 6, 12), [[1n, 2n, 3n, 4n, 5n, 6n], [-128n, -3n, -77n, -1n, -128n, -2n], [127n, -128n, 0n, 0n, 127n, -128n]])
  }, TIMEOUT)

  it('fails witness generation when two values are more than 2^B apart (not B-bit)', async () => {
    const t = await compile(main)
    await t.expectFail({ in: [200n, -200n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects the smaller of two values claimed as their max, the comparison bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, ${B})`, O)
    const base = await t.witness({ in: [0n, 0n] })
    const claim = (x: bigint[], flip: boolean) => {
      const d = x[0]! - x[1]!
      const bits = flip ? flippedSignBits(d, B + 1) : attackerBits(d + 256n, B + 1)
      const best = x[1]! + bits[B]! * d
      const values: Signals = { 'main.in[0]': x[0]!, 'main.in[1]': x[1]!, 'main.best[0][0]': best, 'main.out[0]': best }
      bitNames('main.cbits[0][0]', B + 1).forEach((name, b) => (values[name] = bits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [[10n, 50n], [50n, 10n], [-128n, 127n], [-5n, -6n]]) {
      expect(claim(x, false), `control [${x}]`).toBe(true)
      expect(claim(x, true), `flipped [${x}]`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the max, over every bit assignment of 2- and 3-wide windows (B = 2, --O%i)', async (O) => {
    const two = await compile('= MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, 2)', O)
    await expectOnlyHonest({
      t: two,
      inputs: grid(2, -4, 4),
      bits: bitNames('main.cbits[0][0]', 3),
      derive: ([a, b], bit) => {
        const best = b! + bit('main.cbits[0][0][2]') * (a! - b!)
        return { 'main.best[0][0]': best, 'main.out[0]': best }
      },
      expected: ([a, b]) => ({ 'main.out[0]': a! > b! ? a! : b! }),
    })
    const three = await compile('= MaxPool2d(1, 1, 3, 1, 3, 1, 1, 0, 0, 1, 1, 2)', O)
    await expectOnlyHonest({
      t: three,
      inputs: grid(3, -3, 3),
      bits: [...bitNames('main.cbits[0][0]', 3), ...bitNames('main.cbits[0][1]', 3)],
      derive: ([a, b, c], bit) => {
        const best0 = b! + bit('main.cbits[0][0][2]') * (a! - b!)
        const best1 = c! + bit('main.cbits[0][1][2]') * (best0 - c!)
        return { 'main.best[0][0]': best0, 'main.best[0][1]': best1, 'main.out[0]': best1 }
      },
      expected: (x) => ({ 'main.out[0]': x.reduce((m, v) => (v > m ? v : m)) }),
    })
  }, TIMEOUT)

  it('costs (KH·KW − 1)(B + 2) per output without padding', async () => {
    const unpadded: FixedLayer = { ...pool, inShape: [1, 3, 3], outShape: [1, 2, 2], pads: [0, 0, 0, 0] } as FixedLayer
    const t = await compile(`= MaxPool2d(1, 3, 3, 2, 2, 1, 1, 0, 0, 2, 2, ${B})`)
    expect(t.constraintCount).toBe(layerCost(oneLayer(unpadded, 9, 4)))
  }, TIMEOUT)

  // A window that is short at the border repeats its first position, so its first comparison
  // is max(a, a): d is the constant 0, the product is linear and circom drops it (and the next
  // one collapses the same way once best = a is substituted). The estimate counts those folded
  // comparisons out (foldedComparisons), so it is exact, and below the unpadded formula.
  it('costs what estimateConstraints says with padding, fewer than (KH·KW − 1)(B + 2) per output', async () => {
    const count = (await compile(main)).constraintCount
    expect(count).toBe(layerCost(oneLayer(pool, 6, 12)))
    expect(count).toBeLessThan(12 * 3 * (B + 2))
  }, TIMEOUT)
})
