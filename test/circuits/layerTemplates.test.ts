/**
 * Whole-model circuits of the comparison-based layers (a sigmoid after a
 * concatenation of differently scaled branches; conv + pool, clip, leaky
 * ReLU and pwl in one model) and the packed input hash. The templates of each
 * layer kind are tested beside it, in src/layers/<kind>.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { hashInput } from '../../src/field/hashInput.js'
import { packInput } from '../../src/field/packInput.js'
import type { ModelIR, Op } from '../../src/model/ir.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import type { FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { quantizeInput } from '../../src/quantize/quantizeInput.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import type { Signals } from '../support/forgery.js'
import { attackerBits, forgeAs } from '../support/forgery.js'
import { B, TIMEOUT, compileMain as compile, oneLayer, io, outputs } from '../../src/layers/testing/templateTesting.js'


describe('a sigmoid after a concatenation of differently scaled branches', () => {
  // concat upshifts the coarser branch, so its tensor is wider than B (here 18 bits for B = 10);
  // each hinge must compare x − knot at the input's width, not the output's (regression test).
  it('proves what evaluateFixed computes', async () => {
    const dense = (name: string, input: string, weight: number[], outFeatures: number): Op => ({
      kind: 'dense', name, input, output: `${name}.out`, inFeatures: weight.length / outFeatures, outFeatures, weight: Float64Array.from(weight), bias: new Float64Array(outFeatures),
    })
    const ops: Op[] = [
      dense('a', 'input', [0.01, 0.01], 1),
      dense('b', 'input', [3, 3], 1),
      { kind: 'concat', name: 'cat', inputs: ['a.out', 'b.out'], output: 'cat.out', source: Int32Array.from([0, 0, 1, 0]) },
      { kind: 'sigmoid', name: 'sig', input: 'cat.out', output: 'sig.out' },
      dense('c', 'sig.out', [1, -1, -1, 1], 2),
    ]
    const tensors = { input: [1, 2], 'a.out': [1, 1], 'b.out': [1, 1], 'cat.out': [1, 2], 'sig.out': [1, 2], 'c.out': [1, 2] }
    const ir: ModelIR = { name: 'concat-sigmoid', producer: 'test', opsetVersion: 13, input: { name: 'input', shape: [1, 2] }, output: { name: 'c.out', shape: [1, 2] }, tensors, ops }
    const calibration = [[1, 1], [-1, -1], [0.5, -0.2], [-0.9, 0.8]]
    const model = quantizeModel(ir, { calibration, bits: 10 })
    expect(model.layers.find((l) => l.kind === 'concat')!.bits).toBeGreaterThan(10)
    const t = await compileTestCircuit(emitCircom(model, { inputVisibility: 'private' }))
    for (const input of calibration) {
      const x = quantizeInput(model, input)
      const w = await t.tryWitness({ in: x, prover: 1n })
      expect(w, `no witness for calibration input [${input}]`).toBeDefined()
      expect(outputs(t, w!, 2)).toEqual(evaluateFixed(model, x).outputQ)
    }
  }, TIMEOUT)
})

describe('PackedInputHash', () => {
  it.each([[3, 8], [23, 11], [24, 11], [100, 16]])('equals hashInput for n = %i, B = %i, at the estimated cost', async (n, bits) => {
    const t = await compile(`= PackedInputHash(${n}, ${bits})`)
    const half = 1 << (bits - 1)
    const x = Array.from({ length: n }, (_, i) => BigInt(((i * 7919) % (2 * half)) - half))
    x[0] = BigInt(-half)
    x[n - 1] = BigInt(half - 1)
    const w = await t.expectPass({ in: x })
    expect(w[t.signal('main.hash')]).toBe(await hashInput(x, bits))
    const model = { ...oneLayer({ kind: 'relu', ...io, bits, size: n }, n, n), input: { name: 'x', shape: [n], scale: 0, bits } }
    expect(t.constraintCount).toBe(estimateConstraints(model).find((p) => p.name === 'input hash')!.constraints)
  }, TIMEOUT)

  it('fails witness generation when a wrapper checks it against a wrong hash', async () => {
    const t = await compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";
template Claimed(n, B) { signal input in[n]; signal input claimed; component h = PackedInputHash(n, B); h.in <== in; h.hash === claimed; }
component main {public [claimed]} = Claimed(4, ${B});\n`)
    const x = [1n, -2n, 3n, -128n]
    await t.expectPass({ in: x, claimed: await hashInput(x, B) })
    await t.expectFail({ in: [1n, -2n, 3n, -127n], claimed: await hashInput(x, B) })
  }, TIMEOUT)

  it('is binding only together with the range check: a carried slot collides alone, and InputRange rejects it', async () => {
    // Packing puts in[0] + 2^(B−1) in the low B bits and in[1] + 2^(B−1) above it, so
    // (in[0] + 2^B, in[1] − 1) packs to the same element and hashes the same.
    const x = [5n, 9n]
    const collide = [5n + 256n, 8n]
    const alone = await compile(`= PackedInputHash(2, ${B})`)
    const w = await alone.witness({ in: x })
    const forged = alone.forge(w, { 'main.in[0]': collide[0]!, 'main.in[1]': collide[1]! })
    expect(alone.checkConstraints(forged).ok).toBe(true)
    // The same packed element, computed without packInput's range check (which refuses the carried slot).
    const packedUnchecked = (v: bigint[]) => v.reduce((element, value, i) => element + ((value + (1n << BigInt(B - 1))) << BigInt(B * i)), 0n)
    expect(packedUnchecked(collide)).toBe(packedUnchecked(x))
    expect(() => packInput(collide, B)).toThrow(/does not fit in 8 signed bits/)

    const ranged = await compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";
template RangedHash(n, B) { signal input in[n]; signal output hash; component r = InputRange(n, B); r.in <== in; component h = PackedInputHash(n, B); h.in <== in; hash <== h.hash; }
component main = RangedHash(2, ${B});\n`, { optimization: 1 })
    const base = await ranged.witness({ in: x })
    // The forgery leaves the hash's wires as they are (same packed element) and redoes the range bits.
    const claim = (v: bigint[], mode: 'carry' | 'wrap') => {
      const values: Signals = {}
      v.forEach((value, i) => {
        values[`main.in[${i}]`] = value
        values[`main.r.range[${i}].in`] = value
        values[`main.r.range[${i}].bits.value`] = value + 128n
        attackerBits(value + 128n, B, mode).forEach((bit, b) => (values[`main.r.range[${i}].bits.bits[${b}]`] = bit))
      })
      return ranged.checkConstraints(forgeAs(ranged, base, values))
    }
    await ranged.expectFail({ in: collide })
    for (const mode of ['carry', 'wrap'] as const) {
      const { ok, failing } = claim(collide, mode)
      expect(ok, mode).toBe(false)
      // Only the range check of in[0] objects: the hash itself is satisfied.
      expect(failing.length, mode).toBeLessThanOrEqual(2)
    }
  }, TIMEOUT)
})

describe('a whole model of these layers', () => {
  it('costs what estimateConstraints says (conv + pool, clip, leaky ReLU, pwl)', async () => {
    const strings = (v: number[]) => v.map(String)
    const model: FixedPointModel = {
      ...oneLayer({ kind: 'relu', ...io, bits: B, size: 1 }, 18, 4),
      layers: [
        {
          kind: 'conv', name: 'conv', input: 'x', output: 'c', scale: 0, bits: B, shift: 3, relu: true, inShape: [2, 3, 3], convShape: [1, 3, 3], kernel: [2, 2], stride: [1, 1],
          pads: [1, 1, 0, 0], group: 1, weight: strings([3, -2, 1, 4, -1, 2, -3, 1]), bias: ['5'], weightScale: 0,
          pool: { kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], outShape: [1, 2, 2] },
        },
        { kind: 'clip', name: 'clip', input: 'c', output: 'k', scale: 0, bits: B, size: 4, min: '-20', max: '50' },
        { kind: 'leakyrelu', name: 'leaky', input: 'k', output: 'l', scale: 0, bits: B, size: 4, alpha: '26', alphaShift: 8 },
        { kind: 'pwl', name: 'pwl', input: 'l', output: 'y', scale: 0, bits: B, inputBits: B, shift: 2, size: 4, fn: 'tanh', base: '5', knots: ['-50', '0', '40'], hinges: ['6', '-1', '-2'] },
      ],
    }
    const t = await compileTestCircuit(emitCircom(model))
    expect(t.constraintCount).toBe(totalConstraints(estimateConstraints(model)))
    const x = Array.from({ length: 18 }, (_, i) => BigInt(((i * 37) % 101) - 50))
    const w = await t.witness({ in: x, prover: 1n })
    expect(outputs(t, w, 4)).toEqual(evaluateFixed(model, x).outputQ)
    expect(w[t.signal('main.inputHash')]).toBe(await hashInput(x, B))
  }, TIMEOUT)
})
