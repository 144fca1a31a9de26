/**
 * Softmax (SoftmaxGroup in circuits/nonlinear.circom): the circuit equals the
 * integer evaluator on random groups, inputs out of range have no witness,
 * forged witnesses (a wrong max, a max that is none of the values, a wrong
 * exponential, another quotient/remainder) fail the constraint check, the
 * compiled R1CS has exactly the estimated constraints at --O1 and --O2, and
 * the fixed-point probabilities stay within the stated error of the float op.
 */
import { describe, expect, it } from 'vitest'
import type { CircuitTester } from '../../test/support/circuitTester.js'
import { attackerBits, flippedSignBits, forgeAs, type Signals } from '../../test/support/forgery.js'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { compileLayerCircuit } from '../../test/support/layerCircuit.js'
import { softmax } from '../model/nonlinearKernels.js'
import { evaluateExp, expInterpolation, expKnots, fitExp } from './parts/expPiecewiseLinear.js'
import { softmaxGroup, softmaxGroupConstraints, softmaxLayer, type FixedSoftmaxLayer } from './softmax.js'
import { describeLayerCircuit, drawInputs, seededIntegers, type LayerCase } from './testing/layerHarness.js'

const TIMEOUT = 240_000
const B = 8

/** A softmax layer over `groups` groups of `axisSize` B-bit values at input scale 2^s, output at 2^S. */
function layerFor({ axisSize, inner = 1, outer = 1, s = 4, S = 6 }: { axisSize: number; inner?: number; outer?: number; s?: number; S?: number }): FixedSoftmaxLayer {
  const fit = fitExp(s, B)
  return {
    kind: 'softmax', name: 'softmax', input: 'x', output: 'y', scale: S, bits: S + 2, inputBits: B, axisSize, inner, groups: outer * inner,
    base: String(fit.base), slope0: String(fit.slope0), knots: fit.knots.map(String), hinges: fit.hinges.map(String),
    sumBits: (BigInt(axisSize) * fit.base).toString(2).length,
  }
}
const read = (t: CircuitTester, w: readonly bigint[], n: number) => Array.from({ length: n }, (_, i) => t.read(w, `main.out[${i}]`))
const randomValues = (random: (lo?: number, hi?: number) => number, n: number) => Array.from({ length: n }, () => BigInt(Math.floor(random(0, 1) * 256) - 128))

const harnessRandom = seededIntegers(21)
const harnessCase = (shape: { axisSize: number; inner?: number; outer?: number; s?: number }, boundaryConstraints?: LayerCase['boundaryConstraints']): LayerCase => {
  const layer = layerFor(shape)
  const size = layer.groups * layer.axisSize
  return { title: JSON.stringify(shape), layer, inputSizes: [size], inputs: drawInputs(layer, [size], { random: harnessRandom, bits: [B] }).accepted, ...(boundaryConstraints ? { boundaryConstraints } : {}) }
}

describeLayerCircuit('softmax as emitted (shared harness)', [
  harnessCase({ axisSize: 3, inner: 2, outer: 2 }),
  harnessCase({ axisSize: 4 }),
  // A fine input scale (2^11 for 8-bit values: scores under 0.06) puts every exp knot beyond the input range.
  harnessCase({ axisSize: 3, s: 11 }),
  // Groups of one value: the constant 2^S, no component (--O2 drops the kind's assignments but must constrain each constant public output).
  harnessCase({ axisSize: 1, outer: 3 }, { 1: 0, 2: 3 }),
])

describe('softmax with no exp hinge', () => {
  it('is what a fine input scale gives: the fit is a line clamped by the range', () => {
    expect(fitExp(11, B).knots).toEqual([])
  })
})

describe('softmax layer', () => {
  it('equals the integer evaluator on random groups along a middle axis (2 × 3 × 2)', async () => {
    const layer = layerFor({ axisSize: 3, inner: 2, outer: 2 })
    const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 12 })
    const random = seededRandom(7)
    for (let trial = 0; trial < 6; trial++) {
      const x = trial === 0 ? new Array<bigint>(12).fill(-128n) : trial === 1 ? [127n, -128n, 127n, -128n, 0n, 0n, 5n, 5n, -1n, 3n, 3n, 3n] : randomValues(random, 12)
      const w = await t.expectPass({ in: x })
      expect(read(t, w, 12), `[${x}]`).toEqual(softmaxLayer.evaluate(layer, [x], { float64: true }))
    }
  }, TIMEOUT)

  it('has no witness for inputs outside B bits (the max difference does not fit)', async () => {
    const layer = layerFor({ axisSize: 3 })
    const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 3 })
    await t.expectFail({ in: [200n, -200n, 0n] })
  }, TIMEOUT)

  it.each([1, 2] as const)('compiles to exactly the estimated constraints (--O%i), also for groups of one value', async (O) => {
    for (const shape of [{ axisSize: 3, inner: 2, outer: 2 }, { axisSize: 5 }, { axisSize: 1, outer: 3 }]) {
      const layer = layerFor(shape)
      const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: layer.groups * layer.axisSize, optimization: O })
      // Groups of one value wire the constant 1 into the main's public outputs here, which circom
      // keeps as constraints at --O2 as well (inside a model they are intermediate wires and fold away).
      const publicConstants = layer.axisSize === 1 && O === 2 ? layer.groups : 0
      expect(t.constraintCount, JSON.stringify(shape)).toBe(softmaxLayer.constraints(layer, { o1: O === 1, constantsOf: () => undefined }) + publicConstants)
    }
  }, TIMEOUT)

  describe.each([1, 2] as const)('forged witnesses (--O%i)', (O) => {
    const layer = layerFor({ axisSize: 3 })
    const fit = { base: BigInt(layer.base), slope0: BigInt(layer.slope0), knots: layer.knots.map(BigInt), hinges: layer.hinges.map(BigInt) }
    const S = BigInt(layer.scale)
    const R = layer.sumBits

    type Claim = { m?: bigint; y?: (honest: bigint[]) => bigint[]; flipHinge?: [value: number, hinge: number] }
    /** Every signal as an attacker writes it for input x and the claimed max / outputs; true when the constraints hold. */
    async function accepts(t: CircuitTester, x: bigint[], claim: Claim = {}): Promise<boolean> {
      const base = await t.witness({ in: [0n, 0n, 0n] })
      const m = claim.m ?? x.reduce((a, b) => (b > a ? b : a))
      const values: Signals = { 'main.layer0g0.m': m }
      x.forEach((v, i) => (values[`main.in[${i}]`] = v))
      const e: bigint[] = []
      let prod = 1n
      x.forEach((v, i) => {
        const d = m - v
        attackerBits(d, B).forEach((bit, b) => (values[`main.layer0g0.dbits[${i}][${b}]`] = bit))
        prod = i === 0 ? d : prod * d
        values[`main.layer0g0.prod[${i}]`] = prod
        let ei = fit.base - fit.slope0 * d
        fit.knots.forEach((k, j) => {
          const c = d - k
          const bits = claim.flipHinge?.[0] === i && claim.flipHinge[1] === j ? flippedSignBits(c, B + 1) : attackerBits(c + (1n << BigInt(B)), B + 1)
          bits.forEach((bit, b) => (values[`main.layer0g0.hbits[${i}][${j}][${b}]`] = bit))
          const hinge = bits[B]! * c
          values[`main.layer0g0.hinge[${i}][${j}]`] = hinge
          ei += fit.hinges[j]! * hinge
        })
        e.push(ei)
      })
      const sum = e.reduce((a, b) => a + b, 0n)
      const honest = e.map((v) => (v << S) / sum)
      const y = claim.y ? claim.y(honest) : honest
      y.forEach((yi, i) => {
        const r = (e[i]! << S) - yi * sum
        values[`main.out[${i}]`] = yi
        values[`main.layer0g0.out[${i}]`] = yi
        values[`main.layer0g0.t[${i}]`] = yi * sum
        attackerBits(yi, layer.scale + 1).forEach((bit, b) => (values[`main.layer0g0.ybits[${i}][${b}]`] = bit))
        attackerBits(r, R).forEach((bit, b) => (values[`main.layer0g0.rbits[${i}][${b}]`] = bit))
        attackerBits(sum - 1n - r, R).forEach((bit, b) => (values[`main.layer0g0.gbits[${i}][${b}]`] = bit))
      })
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    const inputs = [[10n, 50n, -3n], [-128n, 127n, 0n], [7n, 7n, 6n]]

    it('the honest assignment (the control) passes; a max that is not the largest fails', async () => {
      const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 3, optimization: O })
      for (const x of inputs) {
        expect(await accepts(t, x), `control [${x}]`).toBe(true)
        const second = [...x].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[1]!
        if (second !== x.reduce((a, b) => (b > a ? b : a))) expect(await accepts(t, x, { m: second }), `max ${second} of [${x}]`).toBe(false)
      }
    }, TIMEOUT)

    it('a max above every value (so none of them) fails', async () => {
      const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 3, optimization: O })
      for (const x of inputs) expect(await accepts(t, x, { m: x.reduce((a, b) => (b > a ? b : a)) + 1n }), `[${x}]`).toBe(false)
    }, TIMEOUT)

    it('a wrong exponential (a hinge comparison flipped, its sum kept by a carry) fails', async () => {
      const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 3, optimization: O })
      for (const x of inputs) {
        for (const [i, j] of [[0, 0], [1, 2], [2, 5]] as const) expect(await accepts(t, x, { flipHinge: [i, j] }), `[${x}] value ${i} hinge ${j}`).toBe(false)
      }
    }, TIMEOUT)

    it('another quotient (y ± 1, the remainder moved by the sum) fails', async () => {
      const t = await compileLayerCircuit({ kind: softmaxLayer, layer, inputSize: 3, optimization: O })
      for (const x of inputs) {
        for (const delta of [1n, -1n]) expect(await accepts(t, x, { y: (h) => h.map((v, i) => (i === 1 ? v + delta : v)) }), `[${x}] y1 ${delta}`).toBe(false)
      }
    }, TIMEOUT)
  })
})

describe('softmax approximation error', () => {
  it('the exponential interpolation (17 knots) is within 0.0027 of exp(−t) for every t ≥ 0', () => {
    let worst = 0
    for (let t = 0; t <= 40; t += 0.0005) worst = Math.max(worst, Math.abs(Math.exp(-t) - expInterpolation(t)))
    expect(worst).toBeLessThanOrEqual(0.0027)
    expect(expKnots().length).toBe(17)
  })

  it('the integer fit is nonincreasing from 2^SE to ≥ 0, within 0.0032 of exp at input scales ≥ 2^4 (0.009 at 2^2, where knots merge)', () => {
    for (const s of [0, 2, 4, 8, 12]) {
      const fit = fitExp(s, 16)
      let previous = fit.base
      let worst = 0
      for (let d = 0n; d < 1n << 16n; d += 1n + (d >> 6n)) {
        const e = evaluateExp(fit, d)
        expect(e <= previous && e >= 0n, `s=${s} d=${d}`).toBe(true)
        previous = e
        worst = Math.max(worst, Math.abs(Number(e) / 2 ** fit.valueScale - Math.exp(-Number(d) / 2 ** s)))
      }
      expect(worst, `s=${s}`).toBeLessThanOrEqual(s === 2 ? 0.009 : 0.0032)
    }
  })

  it('fixed-point probabilities (output 2^14, input 2^8) are within 0.007 of the float softmax', () => {
    const random = seededRandom(3)
    const layer = { ...layerFor({ axisSize: 8, s: 8, S: 14 }), ...(() => { const f = fitExp(8, 16); return { base: String(f.base), slope0: String(f.slope0), knots: f.knots.map(String), hinges: f.hinges.map(String) } })() }
    let worst = 0
    for (let trial = 0; trial < 300; trial++) {
      const x = Array.from({ length: 8 }, () => random(-6, 6))
      const q = x.map((v) => BigInt(Math.round(v * 256)))
      const y = softmaxGroup(layer, q).map((v) => Number(v) / 2 ** 14)
      const f = softmax({ axisSize: 8, inner: 1 }, Float64Array.from(q, (v) => Number(v) / 256))
      y.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - f[i]!))))
    }
    expect(worst).toBeLessThanOrEqual(0.007)
  })

  it('counts what the template says per value at --O2', () => {
    const layer = layerFor({ axisSize: 4 })
    expect(softmaxGroupConstraints(layer, false)).toBe(4 * (B + layer.knots.length * (B + 2) + 1 + layer.scale + 1 + 2 * layer.sumBits) + 3)
  })
})
