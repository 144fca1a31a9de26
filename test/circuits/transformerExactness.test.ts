/**
 * The tiny transformer example (examples/tiny_transformer: 8×8 digits as 8
 * tokens, 2-head self-attention, LayerNorm, GELU MLP, mean pooling), at the
 * setting its README figures use (--bits 8 --weight-bits 8):
 *
 * - default suite: the import matches onnxruntime and the exporter's
 *   reference outputs, every nonlinear op is its own layer (softmax, two
 *   layer norms, GELU), fixed point is within 1 point of float on the whole
 *   test set, and the circuit glassbox compile builds (--O1) is estimated at
 *   135,847 constraints, a 2^18 powers of tau;
 * - `npm run test:large` (GLASSBOX_LARGE_TESTS=1): circom compiles it (minutes),
 *   the compiled R1CS has exactly the estimated constraints, and the circuit's
 *   public outputs equal `glassbox run` bit for bit on the first 8 test inputs.
 */
import { readFile } from 'node:fs/promises'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import { describe, expect, it } from 'vitest'
import { buildPaths } from '../../src/artifacts/buildPaths.js'
import { decodePublicSignals } from '../../src/artifacts/decodePublicSignals.js'
import { readManifest } from '../../src/artifacts/manifest.js'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { hashInput } from '../../src/field/hashInput.js'
import { readInputs } from '../../src/io/readInputs.js'
import { evaluateFloat } from '../../src/model/evaluateFloat.js'
import { importOnnx } from '../../src/model/importOnnx.js'
import { shapeSize } from '../../src/model/ir.js'
import { loadOnnx } from '../../src/model/loadOnnx.js'
import { createOnnxReference } from '../../src/model/runOnnxReference.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { accuracyReport } from '../../src/quantize/accuracyReport.js'
import { parseFixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import { runFixedPoint } from '../../src/quantize/runFixedPoint.js'
import { requiredPower } from '../../src/setup/requiredPower.js'
import { buildExample, examplePath } from '../support/exampleBuild.js'

const NAME = 'tiny_transformer'
const SETTING = { bits: 8, weightBits: 8 }
const PROVER = '0x00000000000000000000000000000000000000bb'
const LARGE = Boolean(process.env.GLASSBOX_LARGE_TESTS)
const TIMEOUT = 1_800_000

async function load() {
  const ir = importOnnx(await loadOnnx(examplePath(NAME, 'model.onnx')), { name: NAME })
  const size = shapeSize(ir.input.shape)
  const calibration = (await readInputs(examplePath(NAME, 'calibration.jsonl'), { expectedLength: size })).map((r) => r.input)
  const test = await readInputs(examplePath(NAME, 'test.jsonl'), { expectedLength: size })
  return { ir, calibration, test }
}

describe('tiny_transformer example', () => {
  it('imports with softmax, layer norms and GELU as layers of their own and matches onnxruntime and reference.jsonl', async () => {
    const { ir, test } = await load()
    const kinds = ir.ops.map((op) => op.kind)
    expect(kinds.filter((k) => k === 'softmax')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'layernorm')).toHaveLength(2)
    expect(kinds.filter((k) => k === 'gelu')).toHaveLength(1)
    expect(kinds.filter((k) => k === 'matmul')).toHaveLength(2)
    expect(kinds).not.toContain('erf')
    const reference = (await readFile(examplePath(NAME, 'reference.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { output: number[]; class: number })
    const onnx = await createOnnxReference(examplePath(NAME, 'model.onnx'))
    try {
      let worst = 0
      for (const [i, row] of test.entries()) {
        const ours = evaluateFloat(ir, row.input).output
        const theirs = i < 50 ? await onnx.run(row.input) : undefined
        ours.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - reference[i]!.output[j]!), theirs ? Math.abs(v - theirs[j]!) : 0)
        })
      }
      expect(worst).toBeLessThan(1e-4)
    } finally {
      await onnx.close()
    }
  })

  it('fixed point (8-bit activations and weights) is within 1 point of float on the whole test set, and fits 2^18', async () => {
    const { ir, calibration, test } = await load()
    const model = quantizeModel(ir, { calibration, ...SETTING })
    const report = accuracyReport(ir, model, test)
    expect(report.samples).toBe(450)
    expect(Math.abs(report.fixedAccuracy! - report.floatAccuracy!)).toBeLessThanOrEqual(0.01)
    // What `glassbox compile` builds: packed outputs, a salted hash, and --O1 (above 30k constraints at --O2).
    const shape = { outputSignals: 'packed', salt: true } as const
    expect(totalConstraints(estimateConstraints(model, shape))).toBeGreaterThan(30_000)
    const constraints = totalConstraints(estimateConstraints(model, { ...shape, optimization: 1 }))
    expect(constraints).toBe(135_847)
    expect(requiredPower({ constraints, publicInputs: 1, publicOutputs: 10 + 2 })).toBe(18)
  })

  it.runIf(LARGE)('compiles to the estimated constraints and the circuit equals glassbox run bit for bit on 8 test inputs', async () => {
    const buildDir = await buildExample(NAME, { setup: false, ...SETTING })
    const manifest = await readManifest(buildDir)
    const paths = buildPaths(buildDir)
    const model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')))
    // Above 30k constraints glassbox compiles at --O1; the manifest says which.
    expect(manifest.constraints.optimization).toBe(1)
    expect(manifest.constraints.total).toBe(totalConstraints(estimateConstraints(model, { outputSignals: 'packed', salt: true, optimization: manifest.constraints.optimization as 1 })))
    expect(manifest.constraints.total).toBe(135_847)
    const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(paths.wasm)))
    const inputs = (await readInputs(examplePath(NAME, 'test.jsonl'))).slice(0, 8)
    const outputs = await runFixedPoint({ buildDir, inputsPath: examplePath(NAME, 'test.jsonl') })
    for (const [i, { input }] of inputs.entries()) {
      const { inputQ, signals } = circuitInput(model, input, PROVER, { salted: manifest.input.salted === true })
      const witness = await calculator.calculateWitness(signals as unknown as Record<string, unknown>, true)
      const statement = decodePublicSignals(manifest.publicSignals, witness.slice(1, 1 + manifest.publicSignals.length))
      expect(statement.outputQ.map(String)).toEqual(outputs[i]!.outputQ)
      expect(statement.class).toBe(outputs[i]!.class)
      expect(statement.inputHash).toBe(await hashInput(inputQ, model.input.bits))
    }
  }, TIMEOUT)
})
