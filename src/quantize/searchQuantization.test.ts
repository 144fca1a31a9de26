import { describe, expect, it } from 'vitest'
import { QuantizeError } from '../errors.js'
import type { ModelIR } from '../model/ir.js'
import { accuracyReport } from './accuracyReport.js'
import { checkCalibrationSet } from './checkCalibrationSet.js'
import { quantizeModel } from './quantizeModel.js'
import { searchQuantization } from './searchQuantization.js'

/**
 * Two logits 2^-17·x apart: y0 = (1 + 2^-17)·x, y1 = x. The class is the sign
 * of x, which fixed point only sees with weights of more than 17 bits (and
 * activations fine enough to keep the difference): at 16-bit weights both
 * weights round to the same integer, the logits tie, and every negative x
 * gets class 0.
 */
const fine: ModelIR = {
  name: 'fine',
  producer: 'test',
  opsetVersion: 13,
  input: { name: 'x', shape: [1, 1] },
  output: { name: 'y', shape: [1, 2] },
  tensors: { x: [1, 1], y: [1, 2] },
  ops: [{ kind: 'dense', name: 'fc', input: 'x', output: 'y', inFeatures: 1, outFeatures: 2, weight: Float64Array.from([1 + 2 ** -17, 1]), bias: Float64Array.from([0, 0]) }],
}
const samples = (n: number, seed: number) => Array.from({ length: n }, (_, i) => [(((i * seed) % 97) / 97 + 0.3) * (i % 2 ? 1 : -1)])

describe('searchQuantization', () => {
  const calibration = samples(50, 31)

  it('searches weights above 16 bits: it finds a setting where only --bits 24 (24-bit weights) agrees', () => {
    const manual = quantizeModel(fine, { calibration, bits: 24 })
    expect(accuracyReport(fine, manual, calibration.map((input) => ({ input }))).top1Agreement).toBe(1)
    const sixteen = quantizeModel(fine, { calibration, bits: 24, weightBits: 16 })
    expect(accuracyReport(fine, sixteen, calibration.map((input) => ({ input }))).top1Agreement).toBeLessThan(0.6)

    const found = searchQuantization(fine, { calibration, target: 'accuracy' })
    expect(found.model.weightBits).toBeGreaterThan(16)
    expect(found.agreement).toBeGreaterThanOrEqual(0.995)
    expect(found.tried.some((t) => t.weightBits > 16)).toBe(true)
  })

  it('judges candidates on a held-out fifth of the calibration set, and says so', () => {
    const found = searchQuantization(fine, { calibration, target: 'accuracy' })
    expect(found.judgedOn).toEqual({ source: 'held-out', samples: 10, calibratedOn: 40 })
    // The model returned is the one judged: calibrated on the 40 kept inputs only.
    expect(found.model.calibration.samples).toBe(40)
  })

  it('judges on --validation when given, and on the calibration set only when it is too small to split (with a warning)', () => {
    const validation = samples(30, 17).map((input) => ({ input }))
    expect(searchQuantization(fine, { calibration, validation, target: 'accuracy' }).judgedOn).toEqual({ source: 'validation', samples: 30, calibratedOn: 50 })
    const warnings: string[] = []
    const small = searchQuantization(fine, { calibration: calibration.slice(0, 8), target: 'resources', logger: { info() {}, debug() {}, warn: (m) => warnings.push(m) } })
    expect(small.judgedOn.source).toBe('calibration')
    expect(warnings.join()).toMatch(/judged on the inputs they were calibrated on/)
  })
})

describe('calibration sets that cannot choose scales', () => {
  it('refuses an all-zero set and one input repeated; warns about a single input', () => {
    expect(() => checkCalibrationSet([[0], [0], [0]])).toThrow(/all zeros/)
    expect(() => quantizeModel(fine, { calibration: [[0], [0]] })).toThrow(QuantizeError)
    expect(() => quantizeModel(fine, { calibration: [[0.5], [0.5], [0.5]] })).toThrow(/all the same input/)
    expect(() => searchQuantization(fine, { calibration: [[0], [0], [0], [0], [0], [0], [0], [0], [0], [0]] })).toThrow(/all zeros/)
    const warnings: string[] = []
    quantizeModel(fine, { calibration: [[0.5]], logger: { info() {}, debug() {}, warn: (m) => warnings.push(m) } })
    expect(warnings.join()).toMatch(/only one calibration input/)
  })

  it('refuses --weight-bits 0 and other settings outside 4..40 instead of replacing them', () => {
    expect(() => quantizeModel(fine, { calibration, bits: 16, weightBits: 0 })).toThrow(/--weight-bits must be an integer from 4 to 40, got 0/)
    expect(() => quantizeModel(fine, { calibration, bits: 16, weightBits: 8.5 })).toThrow(/--weight-bits/)
    expect(() => quantizeModel(fine, { calibration, headroomBits: -1 })).toThrow(/--headroom/)
  })
})

const calibration = samples(50, 31)

describe('accuracyReport', () => {
  it('counts inputs fixed point cannot evaluate as overflows that disagree, instead of throwing', () => {
    const model = quantizeModel(fine, { calibration, bits: 16 })
    const report = accuracyReport(fine, model, [{ input: [0.5] }, { input: [1e6] }, { input: [-0.5] }])
    expect(report.overflows).toBe(1)
    expect(report.samples).toBe(3)
    expect(report.agreed).toBeLessThanOrEqual(2)
  })
})
