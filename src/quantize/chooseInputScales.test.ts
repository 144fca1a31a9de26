import { describe, expect, it } from 'vitest'
import { compileTestCircuit } from '../../test/support/circuitTester.js'
import { emitCircom } from '../compile/emitCircom.js'
import { fromField } from '../field/fieldElement.js'
import { QuantizeError } from '../errors.js'
import { evaluateFloat } from '../model/evaluateFloat.js'
import type { ModelIR, Op } from '../model/ir.js'
import { circuitInput } from '../prove/circuitInput.js'
import { evaluateFixed } from './evaluateFixed.js'
import { dequantize, dequantizeInput, quantizeInput } from './quantizeInput.js'
import { quantizeModel } from './quantizeModel.js'

/**
 * Two features a million times apart in range, both mattering: x0 ∈ [0, 1000]
 * with weight 1e-3, x1 ∈ [0, 1e-3] with weight 1e3, so each contributes up to
 * 1 to the output. With one input scale, x1 rounds to zero.
 */
const mlp: ModelIR = {
  name: 'ranges',
  producer: 'test',
  opsetVersion: 13,
  input: { name: 'x', shape: [1, 2] },
  output: { name: 'y', shape: [1, 2] },
  tensors: { x: [1, 2], y: [1, 2] },
  ops: [{ kind: 'dense', name: 'fc', input: 'x', output: 'y', inFeatures: 2, outFeatures: 2, weight: Float64Array.from([1e-3, 1e3, 1e-3, -1e3]), bias: Float64Array.from([0, 0.5]) }],
}
const calibration = Array.from({ length: 40 }, (_, i) => [((i * 37) % 41) * 24.4, ((i * 13) % 43) * 2.3e-5])
const tests = Array.from({ length: 30 }, (_, i) => [((i * 7) % 31) * 32.2, ((i * 11) % 29) * 3.4e-5])
const maxError = (model: ReturnType<typeof quantizeModel>) =>
  Math.max(
    ...tests.flatMap((x) => {
      const float = evaluateFloat(mlp, x).output
      return dequantize(evaluateFixed(model, quantizeInput(model, x)).outputQ, model.output.scale).map((v, k) => Math.abs(v - float[k]!))
    }),
  )

describe('per-feature input scales', () => {
  it('a uniform input scale rounds the narrow feature to zero; per-feature scales keep it', () => {
    const uniform = quantizeModel(mlp, { calibration, bits: 16, inputScaling: 'uniform' })
    expect(uniform.input.featureScales).toBeUndefined()
    expect(tests.every((x) => quantizeInput(uniform, x)[1] === 0n)).toBe(true)
    expect(maxError(uniform)).toBeGreaterThan(0.5)

    const auto = quantizeModel(mlp, { calibration, bits: 16 })
    expect(auto.input.featureScales).toBeDefined()
    const [s0, s1] = auto.input.featureScales!
    expect(s1! - s0!).toBeGreaterThanOrEqual(19) // ranges 10^6 ≈ 2^20 apart
    expect(auto.input.scale).toBe(s0)
    expect(maxError(auto)).toBeLessThan(0.01)
    // The first layer carries the compensating factor: both columns land at one product scale.
    const layer = auto.layers[0]!
    if (layer.kind !== 'dense') throw new Error('expected dense')
    const product = layer.scale + layer.shift
    expect(Math.abs(Number(layer.weight[0]!) / 2 ** (product - s0!) - 1e-3)).toBeLessThan(1e-6)
    expect(Math.abs(Number(layer.weight[1]!) / 2 ** (product - s1!) - 1e3)).toBeLessThan(1)
  })

  it('quantizes each input value at its own scale wherever inputs become integers (run, prove)', () => {
    const model = quantizeModel(mlp, { calibration, bits: 16 })
    const x = [512.25, 7.5e-4]
    const expected = x.map((v, i) => BigInt(Math.round(v * 2 ** model.input.featureScales![i]!)))
    expect(quantizeInput(model, x)).toEqual(expected)
    expect(circuitInput(model, x, '0x0000000000000000000000000000000000000001').inputQ).toEqual(expected)
    // An input read back as integers (a market request) decodes at the same per-feature scales.
    expect(quantizeInput(model, dequantizeInput(model, expected))).toEqual(expected)
    expect(dequantizeInput(model, expected)[1]).toBeCloseTo(7.5e-4, 6)
  })

  it('the circuit equals the integer evaluator bit for bit with per-feature scales', async () => {
    const model = quantizeModel(mlp, { calibration, bits: 16 })
    const t = await compileTestCircuit(emitCircom(model, { inputVisibility: 'private' }))
    for (const x of tests.slice(0, 5)) {
      const { inputQ, signals } = circuitInput(model, x, '0x0000000000000000000000000000000000000001')
      const w = await t.witness(signals as never)
      expect(t.checkConstraints(w).ok).toBe(true)
      const { outputQ, argmax } = evaluateFixed(model, inputQ)
      expect(outputQ.map((_, k) => fromField(w[t.signal(`main.out[${k}]`)]!))).toEqual(outputQ)
      expect(Number(w[t.signal('main.predicted')])).toBe(argmax)
    }
  }, 120_000)

  it('stays uniform when ranges are similar, and under auto when a non-linear op reads the input; refuses per-feature there', () => {
    const similar = [[1, 2], [3, -4], [-2, 1]]
    expect(quantizeModel(mlp, { calibration: similar, bits: 16 }).input.featureScales).toBeUndefined()
    const reluFirst: ModelIR = {
      ...mlp,
      tensors: { ...mlp.tensors, r: [1, 2] },
      ops: [{ kind: 'relu', name: 'act', input: 'x', output: 'r' }, { ...(mlp.ops[0] as Op & { kind: 'dense' }), input: 'r' }],
    }
    expect(quantizeModel(reluFirst, { calibration, bits: 16 }).input.featureScales).toBeUndefined()
    expect(() => quantizeModel(reluFirst, { calibration, bits: 16, inputScaling: 'per-feature' })).toThrow(QuantizeError)
    expect(() => quantizeModel(reluFirst, { calibration, bits: 16, inputScaling: 'per-feature' })).toThrow(/"act" \(relu\) reads it/)
  })

  it('gives a conv input one scale per channel', () => {
    const conv: ModelIR = {
      name: 'channels',
      producer: 'test',
      opsetVersion: 13,
      input: { name: 'x', shape: [1, 2, 2, 2] },
      output: { name: 'y', shape: [1, 1, 1, 1] },
      tensors: { x: [1, 2, 2, 2], y: [1, 1, 1, 1] },
      ops: [{ kind: 'conv', name: 'c', input: 'x', output: 'y', inShape: [2, 2, 2], outShape: [1, 1, 1], kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], group: 1, weight: Float64Array.from([1e-3, 1e-3, 1e-3, 1e-3, 1e3, 1e3, 1e3, 1e3]), bias: Float64Array.from([0]) }],
    }
    const samples = Array.from({ length: 20 }, (_, i) => [0, 1, 2, 3].map((k) => ((i + k) % 7) * 150).concat([0, 1, 2, 3].map((k) => ((i * k) % 5) * 2e-4)))
    const model = quantizeModel(conv, { calibration: samples, bits: 16 })
    const scales = model.input.featureScales!
    expect(new Set(scales.slice(0, 4)).size).toBe(1)
    expect(new Set(scales.slice(4)).size).toBe(1)
    expect(scales[4]! - scales[0]!).toBeGreaterThanOrEqual(19)
    for (const x of samples.slice(0, 5)) {
      const float = evaluateFloat(conv, x).output[0]!
      const fixed = dequantize(evaluateFixed(model, quantizeInput(model, x)).outputQ, model.output.scale)[0]!
      expect(Math.abs(fixed - float)).toBeLessThan(0.01 * Math.max(1, Math.abs(float)))
    }
  })
})
