/**
 * The standalone ReLU (Relu): as emitted, circuit = evaluator, exact cost,
 * forged outputs rejected; then the template: out-of-range inputs fail and
 * sign bits flipped with a carry are rejected.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, forgeAs } from '../../test/support/forgery.js'
import { B, TIMEOUT, compileMain as compile } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import type { Signals } from '../../test/support/forgery.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(13)
const reluCase = (size: number, bits: number): LayerCase => {
  const layer: FixedLayer = { kind: 'relu', name: 'relu', input: 'x', output: 'y', scale: 0, bits, size }
  return { title: `size ${size}, ${bits} bits`, layer, inputSizes: [size], inputs: drawInputs(layer, [size], { random, bits: [bits] }).accepted }
}

describeLayerCircuit('relu as emitted', [reluCase(5, B), reluCase(3, 4)])

describe.each([1, 2] as const)('Relu at --O%i', (O) => {
  it('Relu: max(x, 0) for B-bit x, out-of-range x fails, forged signs are rejected', async () => {
    const t = await compile(`= Relu(3, ${B})`, O)
    await t.expectPass({ in: [-128n, 0n, 127n] }, { 'main.out[0]': 0n, 'main.out[1]': 0n, 'main.out[2]': 127n })
    await t.expectPass({ in: [-1n, 1n, -50n] }, { 'main.out[0]': 0n, 'main.out[1]': 1n, 'main.out[2]': 0n })
    for (const bad of [[128n, 0n, 0n], [0n, -129n, 0n]]) await t.expectFail({ in: bad })
    const w = await t.witness({ in: [-5n, 9n, 0n] })
    expect(t.checkConstraints(t.forge(w, { 'main.out[0]': -5n })).ok).toBe(false)
    expect(t.checkConstraints(t.forge(w, { 'main.out[1]': 0n })).ok).toBe(false)
    // Flip the sign bits and carry the difference so the decompositions still sum up.
    const base = await t.witness({ in: [0n, 0n, 0n] })
    const claim = (i: number, v: bigint, out: bigint, flipSign: boolean) => {
      const values: Signals = { [`main.in[${i}]`]: v, [`main.out[${i}]`]: out, [`main.bits[${i}].value`]: v + 128n }
      const bits = attackerBits(v + 128n, B, 'carry')
      const sign = bits[B - 1]!
      if (flipSign) {
        bits[B - 1] = 1n - sign
        bits[0]! += (sign === 1n ? 1n : -1n) * 128n
      }
      bits.forEach((bit, j) => (values[`main.bits[${i}].bits[${j}]`] = bit))
      return forgeAs(t, base, values)
    }
    expect(t.checkConstraints(claim(0, -5n, 0n, false)).ok).toBe(true)
    expect(t.checkConstraints(claim(1, 9n, 9n, false)).ok).toBe(true)
    expect(t.checkConstraints(claim(0, -5n, -5n, true)).ok).toBe(false)
    expect(t.checkConstraints(claim(1, 9n, 0n, true)).ok).toBe(false)
  }, TIMEOUT)
})
