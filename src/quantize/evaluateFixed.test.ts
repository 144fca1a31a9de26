import { describe, expect, it } from 'vitest'
import { readInputs } from '../io/readInputs.js'
import { importOnnx } from '../model/importOnnx.js'
import { shapeSize } from '../model/ir.js'
import { loadOnnx } from '../model/loadOnnx.js'
import { examplePath } from '../../test/support/exampleBuild.js'
import { evaluateFixed } from './evaluateFixed.js'
import { quantizeInput } from './quantizeInput.js'
import { quantizeModel } from './quantizeModel.js'

async function load(name: string) {
  const ir = importOnnx(await loadOnnx(examplePath(name, 'model.onnx')), { name })
  const size = shapeSize(ir.input.shape)
  const calibration = (await readInputs(examplePath(name, 'calibration.jsonl'), { expectedLength: size })).map((r) => r.input)
  const test = (await readInputs(examplePath(name, 'test.jsonl'), { expectedLength: size })).slice(0, 8)
  return { ir, calibration, test }
}

describe('evaluateFixed: the float64 fast path is the BigInt evaluator, bit for bit', () => {
  // 8 bits: every sum fits float64; 32 bits: LeNet's sums exceed 2^53 and fall back to BigInt.
  for (const [name, bits] of [['digits_cnn', 8], ['lenet5', 8], ['lenet5', 32], ['digits', 16]] as const) {
    it(`${name} at ${bits} bits: every tensor equal`, async () => {
      const { ir, calibration, test } = await load(name)
      const model = quantizeModel(ir, { calibration, bits, weightBits: Math.min(bits, 24) })
      for (const { input } of test) {
        const q = quantizeInput(model, input)
        const fast = evaluateFixed(model, q, { trace: true }).tensors!
        const reference = evaluateFixed(model, q, { trace: true, float64: false }).tensors!
        expect([...fast.keys()]).toEqual([...reference.keys()])
        for (const [tensor, values] of reference) expect(fast.get(tensor), tensor).toEqual(values)
      }
    })
  }
})
