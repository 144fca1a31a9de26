import { describe, expect, it } from 'vitest'
import { InputError, QuantizeError, RangeOverflowError } from '../errors.js'
import type { ModelIR } from '../model/ir.js'
import { evaluateFixed, firstArgmax } from './evaluateFixed.js'
import { parseFixedPointModel } from './fixedPointModel.js'
import { dequantize, quantizeInput } from './quantizeInput.js'
import { quantizeModel } from './quantizeModel.js'

// y = relu(W x + b), then z = V y: a two-layer net small enough to check by hand.
const ir: ModelIR = {
  name: 'tiny',
  producer: 'test',
  opsetVersion: 13,
  input: { name: 'x', shape: [1, 2] },
  output: { name: 'z', shape: [1, 2] },
  tensors: { x: [1, 2], h: [1, 2], y: [1, 2], z: [1, 2] },
  ops: [
    { kind: 'dense', name: 'fc1', input: 'x', output: 'h', inFeatures: 2, outFeatures: 2, weight: Float64Array.from([0.5, -1, 1.5, 0.25]), bias: Float64Array.from([0.1, -0.2]) },
    { kind: 'relu', name: 'act', input: 'h', output: 'y' },
    { kind: 'dense', name: 'fc2', input: 'y', output: 'z', inFeatures: 2, outFeatures: 2, weight: Float64Array.from([1, -1, 0.5, 2]), bias: Float64Array.from([0, 0.3]) },
  ],
}
const calibration = [
  [1, 0.5],
  [-1, 2],
  [0.3, -0.7],
  [2, 2],
]

describe('quantizeModel and the integer evaluator', () => {
  const model = quantizeModel(ir, { calibration, bits: 12 })

  it('fuses ReLU into the rescale and keeps floats close', () => {
    expect(model.layers.map((l) => l.kind)).toEqual(['dense', 'dense'])
    expect(model.layers[0]!.kind === 'dense' && model.layers[0]!.relu).toBe(true)
    for (const x of calibration) {
      const h = [0.5 * x[0]! - x[1]! + 0.1, 1.5 * x[0]! + 0.25 * x[1]! - 0.2].map((v) => Math.max(0, v))
      const z = [h[0]! - h[1]!, 0.5 * h[0]! + 2 * h[1]! + 0.3]
      const fixed = dequantize(evaluateFixed(model, quantizeInput(model, x)).outputQ, model.output.scale)
      fixed.forEach((v, i) => expect(v).toBeCloseTo(z[i]!, 1))
    }
  })

  it('rescales to the nearest integer (halves up): the bias carries 2^(shift−1), the evaluator floors', () => {
    const layer = model.layers[0]!
    if (layer.kind !== 'dense') throw new Error('expected dense')
    expect(layer.shift).toBeGreaterThan(0)
    // The float bias at the accumulator scale, without the rounding offset: what is left must be exactly 2^(shift−1).
    const accScale = layer.scale + layer.shift
    const biasF = [0.1, -0.2]
    biasF.forEach((b, j) => expect(Number(layer.bias[j]!) - Math.round(b * 2 ** accScale)).toBe(2 ** (layer.shift - 1)))
    // Independently of the evaluator's BigInt shifts: for inputs across the range, every output is
    // the exact product sum divided by 2^shift, rounded half up (in float64, exact at these sizes), then ReLU.
    const w = layer.weight.map(Number)
    let checked = 0
    for (let a = -2; a <= 2; a += 0.37) {
      for (let b = -2; b <= 2; b += 0.41) {
        const xq = quantizeInput(model, [a, b]).map(Number)
        const got = evaluateFixed(model, xq.map(BigInt), { trace: true }).tensors!.get(layer.output)!
        for (let j = 0; j < 2; j++) {
          const exact = (w[2 * j]! * xq[0]! + w[2 * j + 1]! * xq[1]! + Math.round(biasF[j]! * 2 ** accScale)) / 2 ** layer.shift
          const nearest = Math.floor(exact + 0.5)
          expect(Number(got[j]!), `output ${j} for [${a}, ${b}] (exact ${exact})`).toBe(Math.max(0, nearest))
          expect(Math.abs(nearest - exact)).toBeLessThanOrEqual(0.5)
          checked++
        }
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('names the layer whose value overflows its bits', () => {
    const big = quantizeInput(model, [0, 0]).map(() => (1n << BigInt(model.input.bits - 1)) - 1n)
    expect(() => evaluateFixed(model, big)).toThrow(RangeOverflowError)
    expect(() => evaluateFixed(model, big)).toThrow(/fc1|fc2/)
  })

  it('rejects wrong input lengths, non-finite values and values beyond the calibrated range', () => {
    expect(() => quantizeInput(model, [1])).toThrow(InputError)
    expect(() => quantizeInput(model, [1, Number.NaN])).toThrow(/not a finite number/)
    expect(() => quantizeInput(model, [1e6, 0])).toThrow(RangeOverflowError)
  })

  it('breaks argmax ties toward the first index, like the ArgMax template', () => {
    expect(firstArgmax([3n, 7n, 7n, -1n])).toBe(1)
  })

  it('refuses bad settings and an empty calibration set', () => {
    expect(() => quantizeModel(ir, { calibration: [] })).toThrow(QuantizeError)
    expect(() => quantizeModel(ir, { calibration, bits: 2 })).toThrow(/--bits/)
  })

  it('round-trips through model.json and rejects a malformed one', () => {
    expect(parseFixedPointModel(JSON.parse(JSON.stringify(model)))).toEqual(model)
    expect(() => parseFixedPointModel({ ...model, layers: [] })).toThrow(QuantizeError)
  })
})
