/**
 * The residual CNN example (two residual blocks with skip Adds) end to end:
 * the circuit at the default setting (16-bit, what `glassbox compile` uses)
 * equals `glassbox run` (the integer evaluator) bit for bit on the first 64
 * lines of its test set, and the compiled constraint count is the estimate
 * and fits a 2^16 powers of tau. With GLASSBOX_LARGE_TESTS=1 (`npm run
 * test:large`) it also runs the whole pipeline: setup, proofs of the demo
 * inputs, verification off-chain and on an embedded chain, a tampered
 * statement refused on both.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import { afterAll, describe, expect, it } from 'vitest'
import { buildPaths } from '../../src/artifacts/buildPaths.js'
import { decodePublicSignals } from '../../src/artifacts/decodePublicSignals.js'
import { readManifest } from '../../src/artifacts/manifest.js'
import { hashInput } from '../../src/field/hashInput.js'
import { readInputs } from '../../src/io/readInputs.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { proveBatch } from '../../src/prove/proveBatch.js'
import type { ProofRecord } from '../../src/prove/proofRecord.js'
import { parseFixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { runFixedPoint } from '../../src/quantize/runFixedPoint.js'
import { requiredPower } from '../../src/setup/requiredPower.js'
import { setupKeys } from '../../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../../src/verify/verifyProofs.js'
import { verifyProofsOnChain } from '../../src/verify/verifyProofsOnChain.js'
import { buildExample, examplePath, KEYS_DIR } from '../support/exampleBuild.js'

const PROVER = '0x00000000000000000000000000000000000000bb'
const LARGE = Boolean(process.env.GLASSBOX_LARGE_TESTS)
const SUBSET = 64
const TIMEOUT = 1_200_000

describe('residual_cnn (digits 8×8, two residual blocks)', () => {
  let buildDir: string | undefined
  const build = async () => (buildDir ??= await buildExample('residual_cnn', { setup: false }))
  afterAll(releaseSnarkjs)

  it(`circuit = glassbox run bit for bit on the first ${SUBSET} test inputs; constraints = estimate, within 2^16`, async () => {
    const dir = await build()
    const manifest = await readManifest(dir)
    const paths = buildPaths(dir)
    const model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')))
    expect(model.layers.filter((l) => l.kind === 'binary').map((l) => [l.kind === 'binary' && l.op, l.kind === 'binary' && l.relu])).toEqual([['add', true], ['add', true]])
    expect(manifest.constraints.total).toBe(manifest.constraints.layers.reduce((a, l) => a + l.constraints, 0))
    expect(requiredPower({ constraints: manifest.constraints.total, publicInputs: manifest.circuit.publicInputs, publicOutputs: manifest.circuit.publicOutputs })).toBeLessThanOrEqual(16)
    const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(paths.wasm)))
    const inputs = (await readInputs(examplePath('residual_cnn', 'test.jsonl'))).slice(0, SUBSET)
    const outputs = await runFixedPoint({ buildDir: dir, inputsPath: examplePath('residual_cnn', 'test.jsonl') })
    for (const [i, { input }] of inputs.entries()) {
      const { inputQ, signals } = circuitInput(model, input, PROVER, { salted: manifest.input.salted === true })
      const witness = await calculator.calculateWitness(signals as unknown as Record<string, unknown>, true)
      const statement = decodePublicSignals(manifest.publicSignals, witness.slice(1, 1 + manifest.publicSignals.length))
      expect(statement.outputQ.map(String), `test line ${i}`).toEqual(outputs[i]!.outputQ)
      expect(statement.class).toBe(outputs[i]!.class)
      expect(statement.inputHash).toBe(await hashInput(inputQ, model.input.bits))
    }
  }, TIMEOUT)

  it.runIf(LARGE)('proves the demo inputs and verifies them off-chain and on an embedded chain', async () => {
    const dir = await build()
    await setupKeys({ buildDir: dir, keysDir: KEYS_DIR })
    const proofsPath = join(dir, 'proofs.jsonl')
    const result = await proveBatch({ buildDir: dir, inputsPath: examplePath('residual_cnn', 'inputs.jsonl'), outPath: proofsPath, workers: 1, prover: PROVER })
    expect(result.failures).toEqual([])
    const records = (await readFile(proofsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ProofRecord)
    expect(records).toHaveLength(8)
    expect((await verifyProofs({ buildDir: dir, proofsPath })).every((c) => c.valid)).toBe(true)
    const first = records[0]!
    const tampered = { ...first, id: 'tampered', publicSignals: first.publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) + 1n) : s)) }
    const mixed = join(dir, 'mixed.jsonl')
    await writeFile(mixed, [first, records[1]!, tampered].map((r) => JSON.stringify(r)).join('\n') + '\n')
    expect((await verifyProofs({ buildDir: dir, proofsPath: mixed })).map((c) => c.valid)).toEqual([true, true, false])
    const onChain = await verifyProofsOnChain({ buildDir: dir, proofsPath: mixed })
    expect(onChain.checks.map((c) => c.valid)).toEqual([true, true, false])
  }, TIMEOUT)
})
