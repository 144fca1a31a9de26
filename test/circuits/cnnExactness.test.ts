/**
 * The convolutional examples compiled end to end: the circuit's public
 * outputs equal `glassbox run` (the integer evaluator) bit for bit, and the
 * circuit sizes stay where the design puts them (LeNet-5 within a 2^17
 * powers of tau).
 *
 * LeNet-5 is not a tiny circuit: circom needs minutes for it, so its compile
 * runs with `npm run test:large` (GLASSBOX_LARGE_TESTS=1); the default suite
 * checks its size from the constraint estimate, which the template tests pin
 * to circom's own counts.
 */
import { readFile } from 'node:fs/promises'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import { describe, expect, it } from 'vitest'
import { buildPaths } from '../../src/artifacts/buildPaths.js'
import { readManifest } from '../../src/artifacts/manifest.js'
import { decodePublicSignals } from '../../src/artifacts/decodePublicSignals.js'
import { hashInput } from '../../src/field/hashInput.js'
import { readInputs } from '../../src/io/readInputs.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { parseFixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { runFixedPoint } from '../../src/quantize/runFixedPoint.js'
import { requiredPower } from '../../src/setup/requiredPower.js'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { importOnnx } from '../../src/model/importOnnx.js'
import { loadOnnx } from '../../src/model/loadOnnx.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import type { ExampleName } from '../support/exampleBuild.js'
import { buildExample, examplePath } from '../support/exampleBuild.js'

const PROVER = '0x00000000000000000000000000000000000000bb'
const LARGE = Boolean(process.env.GLASSBOX_LARGE_TESTS)
// circom takes minutes on LeNet-5 (8 on a busy 2-core machine): more than the suite's default.
const TIMEOUT = 1_200_000

async function expectCircuitMatchesRun(name: ExampleName, buildDir: string, limit: number) {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  const model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')))
  const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(paths.wasm)))
  const inputs = (await readInputs(examplePath(name, 'test.jsonl'))).slice(0, limit)
  const outputs = await runFixedPoint({ buildDir, inputsPath: examplePath(name, 'test.jsonl') })
  for (const [i, { input }] of inputs.entries()) {
    const { inputQ, signals } = circuitInput(model, input, PROVER, { salted: manifest.input.salted === true })
    const witness = await calculator.calculateWitness(signals as unknown as Record<string, unknown>, true)
    // Public signals are witness entries 1..nPublic, in manifest order.
    const publicSignals = witness.slice(1, 1 + manifest.publicSignals.length)
    const run = outputs[i]!
    // Read through the layout's decoder: the outputs and class are packed into words.
    const statement = decodePublicSignals(manifest.publicSignals, publicSignals)
    expect(statement.outputQ.map(String)).toEqual(run.outputQ)
    expect(statement.class).toBe(run.class)
    expect(statement.inputHash).toBe(await hashInput(inputQ, model.input.bits))
  }
}

describe('convolutional examples: circuit = glassbox run, bit for bit', () => {
  it('digits_cnn (8×8, conv + batch norm + max pool + average pool) on the whole test set', async () => {
    const buildDir = await buildExample('digits_cnn', { setup: false, bits: 8, weightBits: 8 })
    const manifest = await readManifest(buildDir)
    expect(manifest.constraints.total).toBe(manifest.constraints.layers.reduce((a, l) => a + l.constraints, 0))
    await expectCircuitMatchesRun('digits_cnn', buildDir, Infinity)
  }, TIMEOUT)

  it('lenet5 (28×28) is estimated to fit a 2^17 powers of tau', async () => {
    const ir = importOnnx(await loadOnnx(examplePath('lenet5', 'model.onnx')), { name: 'lenet5' })
    const calibration = (await readInputs(examplePath('lenet5', 'calibration.jsonl'))).map((r) => r.input)
    const model = quantizeModel(ir, { calibration, bits: 8, weightBits: 6 })
    const constraints = totalConstraints(estimateConstraints(model))
    expect(requiredPower({ constraints, publicInputs: 1, publicOutputs: model.output.shape.reduce((a, b) => a * b, 1) + 2 })).toBeLessThanOrEqual(17)
  })

  it.runIf(LARGE)('lenet5 (28×28) fits a 2^17 powers of tau and matches on test inputs', async () => {
    const buildDir = await buildExample('lenet5', { setup: false, bits: 8, weightBits: 6 })
    const manifest = await readManifest(buildDir)
    expect(manifest.constraints.total).toBeLessThanOrEqual(131_072)
    expect(requiredPower({ constraints: manifest.constraints.total, publicInputs: manifest.circuit.publicInputs, publicOutputs: manifest.circuit.publicOutputs })).toBeLessThanOrEqual(17)
    expect(manifest.constraints.total).toBe(manifest.constraints.layers.reduce((a, l) => a + l.constraints, 0))
    await expectCircuitMatchesRun('lenet5', buildDir, 12)
  }, TIMEOUT)
})
