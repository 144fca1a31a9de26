/**
 * GELU and erf as `pwl` layers (PiecewiseLinear in circuits/glassbox.circom):
 * the circuit equals the integer evaluator, forged witnesses (a hinge
 * comparison flipped, another rescale quotient) fail the constraint check, the
 * compiled R1CS has exactly the estimated constraints at --O1 and --O2, and
 * the fixed-point values stay within the stated error of the float functions.
 */
import { describe, expect, it } from 'vitest'
import type { CircuitTester } from '../../test/support/circuitTester.js'
import { attackerBits, flippedSignBits, forgeAs, type Signals } from '../../test/support/forgery.js'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { compileLayerCircuit } from '../../test/support/layerCircuit.js'
import { erf, gelu } from '../model/nonlinearKernels.js'
import { fitPiecewiseLinear, type PiecewiseFunction } from '../quantize/piecewiseLinear.js'
import { piecewiseLinearLayer, type FixedPiecewiseLinearLayer } from './pwl.js'
import { describeLayerCircuit, drawInputs, seededIntegers, type LayerCase } from './testing/layerHarness.js'

const TIMEOUT = 240_000

const layerFor = (fn: PiecewiseFunction, { inputScale, bits, outputScale, size = 4 }: { inputScale: number; bits: number; outputScale?: number; size?: number }): FixedPiecewiseLinearLayer =>
  fitPiecewiseLinear({ kind: fn, name: fn, input: 'x', output: 'y' }, { inputScale, inputBits: bits, bits, size, ...(outputScale === undefined ? {} : { outputScale }) })
const read = (t: CircuitTester, w: readonly bigint[], n: number) => Array.from({ length: n }, (_, i) => t.read(w, `main.out[${i}]`))

const harnessRandom = seededIntegers(29)
const harnessCase = (fn: PiecewiseFunction, outputScale?: number): LayerCase => {
  const layer = layerFor(fn, { inputScale: 4, bits: 8, size: 5, ...(outputScale === undefined ? {} : { outputScale }) })
  const { accepted, rejected } = drawInputs(layer, [5], { random: harnessRandom, bits: [8] })
  return { title: `${fn}${outputScale === undefined ? '' : ` out 2^${outputScale}`}`, layer, inputSizes: [5], inputs: accepted, rejected }
}

describeLayerCircuit('GELU and erf as emitted (shared harness)', [harnessCase('gelu', 3), harnessCase('gelu', 4), harnessCase('erf')])

describe.each(['gelu', 'erf'] as const)('%s layer', (fn) => {
  // GELU's output reaches its input's maximum: one bit of headroom, as calibration leaves.
  const layer = layerFor(fn, { inputScale: 4, bits: 8, outputScale: 3 })

  it('equals the integer evaluator over the whole 8-bit input range', async () => {
    const t = await compileLayerCircuit({ kind: piecewiseLinearLayer, layer, inputSize: 4 })
    for (let v = -128; v < 128; v += 4) {
      const x = [BigInt(v), BigInt(v + 1), BigInt(v + 2), BigInt(v + 3)]
      const w = await t.expectPass({ in: x })
      expect(read(t, w, 4), `[${x}]`).toEqual(piecewiseLinearLayer.evaluate(layer, [x], { float64: true }))
    }
  }, TIMEOUT)

  it.each([1, 2] as const)('compiles to exactly the estimated constraints (--O%i)', async (O) => {
    const t = await compileLayerCircuit({ kind: piecewiseLinearLayer, layer, inputSize: 4, optimization: O })
    expect(t.constraintCount).toBe(piecewiseLinearLayer.constraints(layer, { o1: O === 1, constantsOf: () => undefined }))
  }, TIMEOUT)

  it.each([1, 2] as const)('rejects a flipped hinge comparison and another quotient (--O%i)', async (O) => {
    const t = await compileLayerCircuit({ kind: piecewiseLinearLayer, layer, inputSize: 4, optimization: O })
    const base = await t.witness({ in: [0n, 0n, 0n, 0n] })
    const knots = layer.knots.map(BigInt)
    const hinges = layer.hinges.map(BigInt)
    const N = layer.inputBits + 1
    const k = BigInt(layer.shift)
    const claim = (x: bigint, { flip, delta = 0n }: { flip?: number; delta?: bigint } = {}) => {
      const values: Signals = {}
      ;[x, 0n, 0n, 0n].forEach((v, i) => (values[`main.in[${i}]`] = v))
      let acc = BigInt(layer.base)
      knots.forEach((knot, j) => {
        const d = x - knot
        const bits = j === flip ? flippedSignBits(d, N) : attackerBits(d + (1n << BigInt(N - 1)), N)
        bits.forEach((bit, b) => (values[`main.layer0.hbits[0][${j}][${b}]`] = bit))
        const hinge = bits[N - 1]! * d
        values[`main.layer0.hinge[0][${j}]`] = hinge
        acc += hinges[j]! * hinge
      })
      const out = (acc >> k) + delta
      values['main.out[0]'] = out
      values['main.layer0.out[0]'] = out
      ;[...attackerBits(acc - (out << k), layer.shift), ...attackerBits(out + (1n << BigInt(layer.bits - 1)), layer.bits)].forEach((bit, b) => (values[`main.layer0.rbits[0][${b}]`] = bit))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-100n, -3n, 0n, 5n, 60n]) {
      expect(claim(x), `control ${x}`).toBe(true)
      for (const j of [0, 10, layer.knots.length - 1]) expect(claim(x, { flip: j }), `flip ${j} at ${x}`).toBe(false)
      expect(claim(x, { delta: 1n }), `out + 1 at ${x}`).toBe(false)
      expect(claim(x, { delta: -1n }), `out − 1 at ${x}`).toBe(false)
    }
  }, TIMEOUT)
})

describe('GELU and erf approximation error (16-bit, input at 2^10)', () => {
  it('GELU: within 0.0062 + 2 output steps of x·Φ(x) (real units), i.e. ≤ 9 steps of 2^−10', () => {
    const layer = layerFor('gelu', { inputScale: 10, bits: 16, outputScale: 10, size: 1 })
    const random = seededRandom(2)
    let worst = 0
    for (let trial = 0; trial < 4000; trial++) {
      const x = BigInt(Math.round(random(-30, 30) * 1024))
      const y = Number(piecewiseLinearLayer.evaluate(layer, [[x]], { float64: true })[0]!) / 2 ** layer.scale
      worst = Math.max(worst, Math.abs(y - gelu(Number(x) / 1024)))
    }
    expect(layer.scale).toBe(10)
    expect(worst).toBeLessThanOrEqual(0.0062 + 2 / 1024)
  })

  it('erf: within 0.0075 + 2 output steps (2^−14) of erf', () => {
    const layer = layerFor('erf', { inputScale: 10, bits: 16, size: 1 })
    const random = seededRandom(4)
    let worst = 0
    for (let trial = 0; trial < 4000; trial++) {
      const x = BigInt(Math.round(random(-30, 30) * 1024))
      const y = Number(piecewiseLinearLayer.evaluate(layer, [[x]], { float64: true })[0]!) / 2 ** layer.scale
      worst = Math.max(worst, Math.abs(y - erf(Number(x) / 1024)))
    }
    expect(layer.scale).toBe(14)
    expect(worst).toBeLessThanOrEqual(0.0075 + 2 / 2 ** 14)
  })
})
