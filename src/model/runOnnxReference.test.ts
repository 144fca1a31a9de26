import { afterAll, describe, expect, it } from 'vitest'
import { InputError } from '../errors.js'
import { randomArray, seededRandom, writeModel } from '../../test/support/buildOnnx.js'
import { allFixtures, standardizedMlpFixture } from '../../test/support/onnxFixtures.js'
import { reapplyDroppedOps } from '../../test/support/onnxParity.js'
import { evaluateFloat } from './evaluateFloat.js'
import { importOnnx } from './importOnnx.js'
import { shapeSize } from './ir.js'
import { loadOnnx } from './loadOnnx.js'
import { createOnnxReference, type OnnxReference } from './runOnnxReference.js'

const opened: OnnxReference[] = []
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()))
})

describe('createOnnxReference', () => {
  it('feeds the model input shape, with a dynamic batch dim as 1', async () => {
    const reference = await createOnnxReference(writeModel(standardizedMlpFixture().model, 'mlp.onnx'))
    opened.push(reference)
    expect(reference.inputShape).toEqual([1, 4])
    const output = await reference.run([5.1, 3.5, 1.4, 0.2])
    expect(output).toBeInstanceOf(Float32Array)
    expect(output).toHaveLength(3)
    await expect(reference.run([1, 2])).rejects.toThrow(InputError)
  })

  // The IR (float64, weights widened from float32) and onnxruntime (float32) agree to float32 rounding.
  it.each(allFixtures().map((f) => [f.name, f] as const))('matches the IR float evaluation on %s', async (name, fixture) => {
    const path = writeModel(fixture.model, `${name}.onnx`)
    const ir = importOnnx(await loadOnnx(path), { name })
    const reference = await createOnnxReference(path)
    opened.push(reference)
    const random = seededRandom(name.length)
    for (let trial = 0; trial < 8; trial++) {
      const input = randomArray(random, shapeSize(ir.input.shape), -2, 2).map(Math.fround)
      const expected = await reference.run(input)
      const actual = reapplyDroppedOps(evaluateFloat(ir, input).output, ir.droppedOutputOps)
      expect(actual).toHaveLength(expected.length)
      actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5))
    }
  })
})
