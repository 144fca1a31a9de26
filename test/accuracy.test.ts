/**
 * Fixed point vs float on every bundled example's whole test set: top-1
 * accuracy within 0.5 percentage points of the float model, at the setting
 * `glassbox compile` uses for that example.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { readInputs } from '../src/io/readInputs.js'
import { importOnnx } from '../src/model/importOnnx.js'
import { shapeSize } from '../src/model/ir.js'
import { loadOnnx } from '../src/model/loadOnnx.js'
import { accuracyReport } from '../src/quantize/accuracyReport.js'
import { quantizeModel } from '../src/quantize/quantizeModel.js'
import { searchQuantization } from '../src/quantize/searchQuantization.js'
import { examplePath } from './support/exampleBuild.js'

const EXAMPLES = ['iris', 'digits', 'digits_cnn', 'lenet5', 'pad_avgpool', 'residual_cnn'] as const

async function load(name: string) {
  const ir = importOnnx(await loadOnnx(examplePath(name, 'model.onnx')), { name })
  const size = shapeSize(ir.input.shape)
  const calibration = (await readInputs(examplePath(name, 'calibration.jsonl'), { expectedLength: size })).map((r) => r.input)
  const test = await readInputs(examplePath(name, 'test.jsonl'), { expectedLength: size })
  return { ir, calibration, test }
}

describe('fixed-point accuracy on the whole test sets', () => {
  for (const name of EXAMPLES) {
    it(`${name}: default 16-bit fixed point is within 0.5 points of float`, async () => {
      const { ir, calibration, test } = await load(name)
      const report = accuracyReport(ir, quantizeModel(ir, { calibration }), test)
      expect(report.samples).toBe(test.length)
      expect(Math.abs(report.fixedAccuracy! - report.floatAccuracy!)).toBeLessThanOrEqual(0.005)
      const reference = (await readFile(examplePath(name, 'reference.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { class: number })
      const floatCorrect = reference.filter((r, i) => r.class === test[i]!.label).length / test.length
      expect(report.floatAccuracy).toBeCloseTo(floatCorrect, 10)
    })
  }

  it('lenet5: the resource search keeps accuracy within 0.5 points with far fewer bits', async () => {
    const { ir, calibration, test } = await load('lenet5')
    const { model } = searchQuantization(ir, { calibration, validation: test.slice(0, 150), target: 'accuracy' })
    expect(model.bits).toBeLessThan(16)
    const report = accuracyReport(ir, model, test)
    expect(Math.abs(report.fixedAccuracy! - report.floatAccuracy!)).toBeLessThanOrEqual(0.005)
  })
})
