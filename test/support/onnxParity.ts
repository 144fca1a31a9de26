/**
 * Parity of glassbox's import + float evaluation with onnxruntime: a model is
 * written to a temp file, imported, and both run on seeded random inputs
 * (rounded to float32, as onnxruntime reads them).
 */
import type onnxProto from 'onnx-proto'
import { expect } from 'vitest'
import { evaluateFloat } from '../../src/model/evaluateFloat.js'
import { importOnnx, type ImportOnnxOptions } from '../../src/model/importOnnx.js'
import { shapeSize, type ModelIR } from '../../src/model/ir.js'
import { loadOnnx } from '../../src/model/loadOnnx.js'
import { createOnnxReference } from '../../src/model/runOnnxReference.js'
import { randomArray, seededRandom, writeModel } from './buildOnnx.js'

export type ExpectParityOptions = {
  /** File name in the temp dir (unique per model). */
  name: string
  trials?: number
  seed?: number
  tolerance?: number
  /** Input value range (default ±2). */
  range?: number
  fold?: ImportOnnxOptions['fold']
}

/**
 * Imports `model` and checks that `evaluateFloat` matches onnxruntime to
 * `tolerance` (absolute) on `trials` random inputs, folded and unfolded.
 *
 * @returns the folded IR, for assertions on its ops.
 */
export async function expectParity(model: onnxProto.onnx.ModelProto, { name, trials = 4, seed = 1, tolerance = 1e-5, range = 2 }: ExpectParityOptions): Promise<ModelIR> {
  const path = writeModel(model, `${name}.onnx`)
  const decoded = await loadOnnx(path)
  const ir = importOnnx(decoded, { name })
  const raw = importOnnx(decoded, { name, fold: false })
  const reference = await createOnnxReference(path)
  try {
    const random = seededRandom(seed)
    for (let trial = 0; trial < trials; trial++) {
      const input = randomArray(random, shapeSize(ir.input.shape), -range, range).map(Math.fround)
      const expected = await reference.run(input)
      for (const [label, model] of [['folded', ir], ['unfolded', raw]] as const) {
        const actual = reapplyDroppedOps(evaluateFloat(model, input).output, model.droppedOutputOps)
        expect(actual.length, `${name} (${label}): output length`).toBe(expected.length)
        let worst = 0
        actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - expected[i]!))))
        expect(worst, `${name} (${label}): max |glassbox − onnxruntime| on trial ${trial}`).toBeLessThan(tolerance)
      }
    }
  } finally {
    await reference.close()
  }
  return ir
}

/** Applies the ops the importer dropped from the end (Softmax, LogSoftmax over the whole output), to compare with onnxruntime. */
export function reapplyDroppedOps(logits: Float64Array, dropped: readonly string[] = []): Float64Array {
  let y = logits
  for (const opType of dropped) {
    const max = Math.max(...y)
    const exp = y.map((v) => Math.exp(v - max))
    const sum = exp.reduce((a, b) => a + b, 0)
    if (opType === 'Softmax') y = exp.map((v) => v / sum)
    else if (opType === 'LogSoftmax') y = y.map((v) => v - max - Math.log(sum))
    else throw new Error(`reapplyDroppedOps: unknown op ${opType}`)
  }
  return y
}
