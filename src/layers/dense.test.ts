/**
 * The dense layer (DenseRescale): as emitted, on random small shapes, the
 * circuit equals the kind's evaluator at --O1 and --O2, costs exactly its
 * estimate and rejects forged outputs; accumulators that overflow the
 * rescale are refused by both. Then the template itself: forged rescales
 * (carry and wrap) are rejected.
 */
import { describe, expect, it } from 'vitest'
import { forgeAs } from '../../test/support/forgery.js'
import { B, K, TIMEOUT, compileMain as compile, floorShift, relu, inlineNames, rescaleSignals } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(11)
function denseCase(title: string, inFeatures: number, outFeatures: number, shift: number, relu: boolean): LayerCase {
  const layer: FixedLayer = {
    kind: 'dense', name: 'fc', input: 'x', output: 'y', scale: 0, bits: B, shift, relu, inFeatures, outFeatures, weightScale: 0,
    weight: Array.from({ length: inFeatures * outFeatures }, () => String(random(-9, 9))), bias: Array.from({ length: outFeatures }, () => String(random(-20, 20))),
  }
  const { accepted, rejected } = drawInputs(layer, [inFeatures], { random, bits: [B] })
  return { title, layer, inputSizes: [inFeatures], inputs: accepted, rejected }
}

describeLayerCircuit('dense as emitted', [denseCase('3→2, shift 3, ReLU', 3, 2, 3, true), denseCase('4→3, shift 2', 4, 3, 2, false), denseCase('1→1, shift 0', 1, 1, 0, false)])

describe.each([1, 2] as const)('DenseRescale at --O%i', (O) => {
  const W = [[5, -3, 7], [-6, 2, 1]]
  const bias = [4n, -20n]
  const denseMain = `= DenseRescale(3, 2, ${JSON.stringify(W)}, [${bias.join(',')}], ${K}, ${B}, 1)`
  const dense = (x: bigint[]) => W.map((row, j) => relu(floorShift(row.reduce((acc, w, i) => acc + BigInt(w) * x[i]!, bias[j]!), K)))

  it('DenseRescale: honest values pass, overflow fails, forged outputs and rescales are rejected', async () => {
    const t = await compile(denseMain, O)
    for (const x of [[1n, 2n, 3n], [-20n, 30n, -10n], [-40n, 60n, -5n], [100n, -50n, 7n], [0n, 0n, 0n]]) {
      const expected = dense(x)
      await t.expectPass({ in: x }, { 'main.out[0]': expected[0]!, 'main.out[1]': expected[1]! })
    }
    await t.expectFail({ in: [127n, -128n, 127n] }) // acc[0] = 1912: 239 after >> 3 is not 8-bit
    const x = [100n, -50n, 7n]
    const w = await t.witness({ in: x })
    expect(t.checkConstraints(t.forge(w, { 'main.out[0]': dense(x)[0]! + 1n })).ok).toBe(false)
    const acc = 4n + 5n * 100n + 150n + 49n
    const q = floorShift(acc, K)
    const claim = (q0: bigint, mode: 'carry' | 'wrap' = 'carry') => forgeAs(t, w, rescaleSignals(inlineNames(0), acc, q0, acc - q0 * 8n, K, B, true, mode))
    expect(t.checkConstraints(claim(q)).ok).toBe(true)
    for (const mode of ['carry', 'wrap'] as const) {
      expect(t.checkConstraints(claim(q + 1n, mode)).ok).toBe(false)
      expect(t.checkConstraints(claim(q - 1n, mode)).ok).toBe(false)
    }
  }, TIMEOUT)
})
