/**
 * Layer norm (LayerNormGroup in circuits/nonlinear.circom): the circuit equals
 * the integer evaluator, an output out of range has no witness, forged
 * witnesses (the root ρ ± 1, another rescale quotient) fail the constraint
 * check, the compiled R1CS has exactly the estimated constraints at --O1 and
 * --O2, and the fixed-point result stays within the stated error of the float op.
 */
import { describe, expect, it } from 'vitest'
import type { CircuitTester } from '../../test/support/circuitTester.js'
import { attackerBits, forgeAs, type Signals } from '../../test/support/forgery.js'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { compileLayerCircuit } from '../../test/support/layerCircuit.js'
import type { LayerNormOp } from '../model/ir.js'
import { layerNorm } from '../model/nonlinearKernels.js'
import type { QuantizeContext } from './layerKind.js'
import { isqrt, layerNormGroup, layerNormGroupConstraints, layerNormLayer, type FixedLayerNormLayer } from './layernorm.js'
import { describeLayerCircuit, drawInputs, seededIntegers, type LayerCase } from './testing/layerHarness.js'

const TIMEOUT = 240_000
const B = 8

/** Quantizes a layernorm op reading B-bit values at 2^inputScale, writing `bits`-bit values at (at most) 2^outputScale. */
function quantize(op: LayerNormOp, { inputScale, inputBits = B, bits = B, weightBits = B, outputScale = 4, size }: { inputScale: number; inputBits?: number; bits?: number; weightBits?: number; outputScale?: number; size: number }): FixedLayerNormLayer {
  const context = {
    bits, weightBits, scaleOf: () => inputScale, bitsOf: () => inputBits, sizeOf: () => size, scaleFor: () => outputScale,
  } as unknown as QuantizeContext
  return layerNormLayer.quantize.layernorm(op, context)
}
const op = (groupSize: number, gamma: number[], beta: number[], epsilon = 1e-5): LayerNormOp => ({
  kind: 'layernorm', name: 'ln', input: 'x', output: 'y', groupSize, gamma: Float64Array.from(gamma), beta: Float64Array.from(beta), epsilon,
})
const read = (t: CircuitTester, w: readonly bigint[], n: number) => Array.from({ length: n }, (_, i) => t.read(w, `main.out[${i}]`))

const harnessRandom = seededIntegers(23)
const harnessCase = (title: string, layer: FixedLayerNormLayer): LayerCase => {
  const size = layer.groups * layer.groupSize
  const { accepted, rejected } = drawInputs(layer, [size], { random: harnessRandom, bits: [B] })
  return { title, layer, inputSizes: [size], inputs: accepted, rejected }
}

describeLayerCircuit('layernorm as emitted (shared harness)', [
  harnessCase('2 groups of 4', quantize(op(4, [1, 0.5, -0.75, 1.25], [0, 0.25, -0.5, 0.125]), { inputScale: 4, size: 8 })),
  harnessCase('1 group of 3, output at 2^6 (overflows)', quantize(op(3, [1, 2, 3], [0, 0.5, 0]), { inputScale: 2, size: 3, outputScale: 6 })),
])

describe('layernorm layer', () => {
  const layer = quantize(op(4, [1, 0.5, -0.75, 1.25], [0, 0.25, -0.5, 0.125]), { inputScale: 4, size: 8 })

  it('equals the integer evaluator on random groups (and on equal values: variance 0)', async () => {
    const t = await compileLayerCircuit({ kind: layerNormLayer, layer, inputSize: 8 })
    const random = seededRandom(5)
    for (let trial = 0; trial < 6; trial++) {
      const x = trial === 0 ? [3n, 3n, 3n, 3n, -128n, 127n, -128n, 127n] : Array.from({ length: 8 }, () => BigInt(Math.floor(random(0, 1) * 256) - 128))
      const w = await t.expectPass({ in: x })
      expect(read(t, w, 8), `[${x}]`).toEqual(layerNormLayer.evaluate(layer, [x], { float64: true }))
    }
  }, TIMEOUT)

  it('has no witness when an output does not fit its bits (the evaluator throws too)', async () => {
    const wide = quantize(op(2, [1, 1], [0, 0]), { inputScale: 4, size: 2, outputScale: 7 })
    const t = await compileLayerCircuit({ kind: layerNormLayer, layer: wide, inputSize: 2 })
    // ±1 normalized at 2^7 = 128 does not fit 8 signed bits.
    expect(() => layerNormLayer.evaluate(wide, [[-100n, 100n]], { float64: true })).toThrow(/does not fit in 8 signed bits/)
    await t.expectFail({ in: [-100n, 100n] })
  }, TIMEOUT)

  it.each([1, 2] as const)('compiles to exactly the estimated constraints (--O%i)', async (O) => {
    for (const l of [layer, quantize(op(3, [1, 2, 3], [0, 0, 0], 1e-3), { inputScale: 2, size: 3 })]) {
      const t = await compileLayerCircuit({ kind: layerNormLayer, layer: l, inputSize: l.groups * l.groupSize, optimization: O })
      expect(t.constraintCount, `groups of ${l.groupSize}`).toBe(layerNormLayer.constraints(l, { o1: O === 1, constantsOf: () => undefined }))
    }
  }, TIMEOUT)

  describe.each([1, 2] as const)('forged witnesses (--O%i)', (O) => {
    const one = quantize(op(4, [1, 0.5, -0.75, 1.25], [0, 0.25, -0.5, 0.125]), { inputScale: 4, size: 4 })
    const K = one.sqrtScale
    const W = 2 * K + 1
    type Claim = { rho?: (honest: bigint) => bigint; out?: (honest: bigint[]) => bigint[] }
    async function accepts(t: CircuitTester, x: bigint[], claim: Claim = {}): Promise<boolean> {
      const base = await t.witness({ in: [0n, 0n, 0n, 0n] })
      const g = 'main.layer0g0'
      const values: Signals = {}
      x.forEach((v, i) => (values[`main.in[${i}]`] = v))
      const total = x.reduce((a, b) => a + b, 0n)
      const c = x.map((v) => 4n * v - total)
      c.forEach((ci, i) => (values[`${g}.sq[${i}]`] = ci * ci))
      const v = c.reduce((a, b) => a + b * b, 0n) + BigInt(one.eps)
      const honestRho = isqrt((1n << BigInt(2 * K)) / v)
      const rho = claim.rho ? claim.rho(honestRho) : honestRho
      values[`${g}.rho`] = rho
      attackerBits(rho, one.rhoBits).forEach((bit, b) => (values[`${g}.rhobits[${b}]`] = bit))
      const low = rho * rho * v
      const step = (2n * rho + 1n) * v
      Object.assign(values, { [`${g}.rho2`]: rho * rho, [`${g}.low`]: low, [`${g}.step`]: step })
      attackerBits((1n << BigInt(2 * K)) - low, W).forEach((bit, b) => (values[`${g}.lbits[${b}]`] = bit))
      attackerBits(low + step - (1n << BigInt(2 * K)) - 1n, W).forEach((bit, b) => (values[`${g}.hbits[${b}]`] = bit))
      const acc = c.map((ci, i) => BigInt(one.gamma[i]!) * ci * rho + BigInt(one.beta[i]!))
      const k = BigInt(one.shift)
      const honestOut = acc.map((a) => a >> k)
      const out = claim.out ? claim.out(honestOut) : honestOut
      c.forEach((ci, i) => {
        values[`${g}.cr[${i}]`] = ci * rho
        values[`main.out[${i}]`] = out[i]!
        values[`${g}.out[${i}]`] = out[i]!
        // The rescale's bits: remainder acc − out·2^k in the low k bits, out + 2^(B−1) above (carried when off).
        const remainder = acc[i]! - (out[i]! << k)
        const low = attackerBits(remainder, one.shift)
        const high = attackerBits(out[i]! + (1n << BigInt(one.bits - 1)), one.bits)
        ;[...low, ...high].forEach((bit, b) => (values[`${g}.obits[${i}][${b}]`] = bit))
      })
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    const inputs = [[10n, 50n, -3n, 7n], [-128n, 127n, 0n, 1n], [5n, 5n, 5n, 6n]]

    it('the honest assignment (the control) passes; the root ρ + 1 and ρ − 1 fail', async () => {
      const t = await compileLayerCircuit({ kind: layerNormLayer, layer: one, inputSize: 4, optimization: O })
      for (const x of inputs) {
        expect(await accepts(t, x), `control [${x}]`).toBe(true)
        expect(await accepts(t, x, { rho: (r) => r + 1n }), `ρ + 1 [${x}]`).toBe(false)
        expect(await accepts(t, x, { rho: (r) => r - 1n }), `ρ − 1 [${x}]`).toBe(false)
      }
    }, TIMEOUT)

    it('another rescale quotient (an output ± 1, its remainder moved by 2^shift) fails', async () => {
      const t = await compileLayerCircuit({ kind: layerNormLayer, layer: one, inputSize: 4, optimization: O })
      for (const x of inputs) {
        for (const delta of [1n, -1n]) expect(await accepts(t, x, { out: (h) => h.map((v, i) => (i === 2 ? v + delta : v)) }), `[${x}] out2 ${delta}`).toBe(false)
      }
    }, TIMEOUT)
  })
})

describe('layernorm structure', () => {
  it('reports a fine-tune that changes γ, β or ε (circuit constants, not a weight set), and nothing for the same op', () => {
    const original = op(4, [1, 0.5, -0.75, 1.25], [0, 0.25, -0.5, 0.125])
    const layer = quantize(original, { inputScale: 4, size: 4 })
    const differences = (o: LayerNormOp) => {
      const found: string[] = []
      layerNormLayer.compareStructure(layer, o, (what, a, b) => JSON.stringify(a) !== JSON.stringify(b) && found.push(what))
      return found
    }
    expect(differences(original)).toEqual([])
    expect(differences(op(4, [1, 0.5, -0.75, 1.5], [0, 0.25, -0.5, 0.125]))).toEqual(['layer "ln" gamma (a circuit constant)'])
    expect(differences(op(4, [1, 0.5, -0.75, 1.25], [0, 0.25, -0.5, 0.125], 1e-3))).toEqual(['layer "ln" epsilon (a circuit constant)'])
  })
})

describe('layernorm approximation error', () => {
  it('is within 2 output steps (2^−s_out) plus the input rounding of the float op', () => {
    const random = seededRandom(11)
    const gamma = [1, 0.5, -0.75, 1.25, 2, -1, 0.3, 0.9]
    const beta = [0, 0.25, -0.5, 0.125, 1, 0, -1, 0.5]
    const l = quantize(op(8, gamma, beta), { inputScale: 10, inputBits: 16, bits: 16, weightBits: 16, outputScale: 12, size: 8 })
    let worst = 0
    for (let trial = 0; trial < 200; trial++) {
      const q = Array.from({ length: 8 }, () => BigInt(Math.round(random(-3, 3) * 1024)))
      const y = layerNormGroup(l, q).map((v) => Number(v) / 2 ** l.scale)
      const f = layerNorm({ groupSize: 8, gamma: Float64Array.from(gamma), beta: Float64Array.from(beta), epsilon: 1e-5 }, Float64Array.from(q, (v) => Number(v) / 1024))
      y.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - f[i]!))))
    }
    expect(l.scale).toBe(12)
    expect(worst).toBeLessThanOrEqual(2 / 2 ** 12)
  })

  it('counts what the template says at --O2', () => {
    const l = quantize(op(4, [1, 1, 1, 1], [0, 0, 0, 0]), { inputScale: 4, size: 4 })
    expect(layerNormGroupConstraints(l, false)).toBe(l.rhoBits + 3 + 2 * (2 * l.sqrtScale + 1) + 4 * (2 + l.shift + l.bits))
  })
})
