/**
 * Committed weights end to end on the iris example: one compile with
 * `weights: 'committed'`, one setup, then proofs with two weight sets (the
 * build's own and a fine-tune's, quantized at the build's scales by
 * `glassbox weights`): both verify off-chain with the same verification key,
 * each carries its own weightsCommitment, the proven outputs equal the
 * integer evaluator (`run --weights`) with that set, and a verifier that
 * expects one set refuses proofs of the other.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import type { Manifest } from '../src/artifacts/manifest.js'
import { readManifest } from '../src/artifacts/manifest.js'
import { compileModel } from '../src/compile/compileModel.js'
import { WeightSetError } from '../src/errors.js'
import { proveBatch } from '../src/prove/proveBatch.js'
import type { ProofRecord } from '../src/prove/proofRecord.js'
import { runFixedPoint } from '../src/quantize/runFixedPoint.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../src/verify/verifyProofs.js'
import { readWeightSetFor } from '../src/weights/readWeightSetFor.js'
import { makeWeightSet } from '../src/weights/makeWeightSet.js'
import type { WeightSet } from '../src/weights/weightSetFile.js'
import { KEYS_DIR, examplePath } from './support/exampleBuild.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const TIMEOUT = 900_000

/** The iris ONNX model with every float initializer scaled by `factor`: a stand-in for a fine-tune (same network, other weights). */
async function writeFineTune(path: string, factor: number): Promise<void> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(examplePath('iris', 'model.onnx')))
  for (const t of model.graph!.initializer ?? []) {
    if (t.dataType !== onnxProto.onnx.TensorProto.DataType.FLOAT) continue
    if (t.rawData && t.rawData.length) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
      for (let i = 0; i < t.rawData.byteLength; i += 4) view.setFloat32(i, view.getFloat32(i, true) * factor, true)
    } else if (t.floatData) {
      t.floatData = t.floatData.map((v) => v * factor)
    }
  }
  await writeFile(path, onnxProto.onnx.ModelProto.encode(model).finish())
}

const readRecords = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ProofRecord)

describe('iris with committed weights: one circuit and one key, two weight sets', () => {
  const root = mkdtempSync(join(tmpdir(), 'glassbox-committed-'))
  const buildDir = join(root, 'build')
  const inputsPath = join(root, 'inputs.jsonl')
  let manifest: Manifest
  let own: WeightSet
  let tuned: WeightSet
  let ownRecords: ProofRecord[]
  let tunedRecords: ProofRecord[]

  beforeAll(async () => {
    const lines = (await readFile(examplePath('iris', 'inputs.jsonl'), 'utf8')).trim().split('\n').slice(0, 3)
    await writeFile(inputsPath, `${lines.join('\n')}\n`)
    await compileModel({ modelPath: examplePath('iris', 'model.onnx'), calibrationPath: examplePath('iris', 'calibration.jsonl'), outDir: buildDir, name: 'iris', weights: 'committed' })
    await setupKeys({ buildDir, keysDir: KEYS_DIR })
    await releaseSnarkjs()
    manifest = await readManifest(buildDir)

    own = (await makeWeightSet({ buildDir, outPath: join(root, 'own.weights.json') })).set
    await writeFineTune(join(root, 'finetuned.onnx'), 0.93)
    tuned = (await makeWeightSet({ buildDir, modelPath: join(root, 'finetuned.onnx'), outPath: join(root, 'tuned.weights.json'), calibrationPath: examplePath('iris', 'calibration.jsonl') })).set

    for (const [out, weightsPath] of [['own.proofs.jsonl', undefined], ['tuned.proofs.jsonl', join(root, 'tuned.weights.json')]] as const) {
      const result = await proveBatch({ buildDir, inputsPath, outPath: join(root, out), workers: 1, prover: PROVER, ...(weightsPath ? { weightsPath } : {}) })
      expect(result.failures).toEqual([])
    }
    ownRecords = await readRecords(join(root, 'own.proofs.jsonl'))
    tunedRecords = await readRecords(join(root, 'tuned.proofs.jsonl'))
  }, TIMEOUT)

  afterAll(async () => {
    await releaseSnarkjs()
    await rm(dirname(buildDir), { recursive: true, force: true })
  })

  it('records committed weights in the manifest: visibility, commitment, the public weightsCommitment signal, exact constraint counts with MACs', () => {
    expect(manifest.weights.visibility).toBe('committed')
    expect(manifest.weights.commitment).toBe(own.commitment)
    expect(manifest.weights.architecture).toBe(own.architecture)
    expect(manifest.publicSignals.filter((s) => s.role === 'weightsCommitment').map((s) => s.signal)).toEqual(['main.weightsCommitment'])
    expect(manifest.constraints.layers.reduce((n, l) => n + l.constraints, 0)).toBe(manifest.constraints.total)
    expect(manifest.constraints.layers.some((l) => (l.macs ?? 0) > 0)).toBe(true)
    expect(manifest.constraints.layers.map((l) => l.name)).toEqual(expect.arrayContaining(['weight range', 'weight commitment']))
  })

  it('makes a fine-tune’s weight set for the same architecture, with another commitment', () => {
    expect(tuned.architecture).toBe(own.architecture)
    expect(tuned.source.file).toBe('finetuned.onnx')
    expect(tuned.commitment).not.toBe(own.commitment)
  })

  it('proves with both sets; both verify with the same key; each proof carries its set’s commitment', async () => {
    const slot = manifest.publicSignals.find((s) => s.role === 'weightsCommitment')!.index
    for (const [records, set] of [[ownRecords, own], [tunedRecords, tuned]] as const) {
      expect(records).toHaveLength(3)
      for (const r of records) {
        expect(r.publicSignals[slot]).toBe(set.commitment)
        expect(r.weightsCommitment).toBe(set.commitment)
      }
    }
    for (const file of ['own.proofs.jsonl', 'tuned.proofs.jsonl']) {
      const checks = await verifyProofs({ buildDir, proofsPath: join(root, file) })
      expect(checks.map((c) => c.problems)).toEqual([[], [], []])
    }
  }, TIMEOUT)

  it('proves what the integer evaluator computes with each set (run --weights)', async () => {
    const ownRun = await runFixedPoint({ buildDir, inputsPath })
    const tunedRun = await runFixedPoint({ buildDir, inputsPath, weightsPath: join(root, 'tuned.weights.json') })
    expect(ownRecords.map((r) => r.outputQ)).toEqual(ownRun.map((o) => o.outputQ))
    expect(tunedRecords.map((r) => r.outputQ)).toEqual(tunedRun.map((o) => o.outputQ))
    expect(tunedRun.map((o) => o.outputQ)).not.toEqual(ownRun.map((o) => o.outputQ))
  })

  it('refuses proofs of another weight set when one is expected, and a set whose values were edited', async () => {
    const checks = await verifyProofs({ buildDir, proofsPath: join(root, 'tuned.proofs.jsonl'), weightsCommitment: own.commitment })
    expect(checks.every((c) => !c.valid)).toBe(true)
    expect(checks[0]!.problems.join()).toMatch(/not the expected/)
    const edited = { ...tuned, layers: tuned.layers.map((l, i) => (i === 0 && 'weight' in l ? { ...l, weight: l.weight.map((w, j) => (j === 0 ? String(BigInt(w) - 1n) : w)) } : l)) }
    const editedPath = join(root, 'edited.weights.json')
    await writeFile(editedPath, JSON.stringify(edited))
    await expect(proveBatch({ buildDir, inputsPath, outPath: join(root, 'edited.proofs.jsonl'), workers: 1, weightsPath: editedPath })).rejects.toThrow(/do not match its commitment/)
  })

  it('refuses a weight-set file whose commitment field was swapped for another set’s (verify --weights)', async () => {
    // The audited values with the fine-tune's commitment: it must not make the fine-tune's proofs pass as the audited set's.
    const swapped = join(root, 'swapped.weights.json')
    await writeFile(swapped, JSON.stringify({ ...own, commitment: tuned.commitment }))
    await expect(readWeightSetFor(buildDir, manifest, swapped)).rejects.toThrow(/do not match its commitment/)
    expect((await readWeightSetFor(buildDir, manifest, join(root, 'tuned.weights.json'))).commitment).toBe(tuned.commitment)
  })

  it('refuses to resume a proofs file of one weight set with another', async () => {
    await expect(proveBatch({ buildDir, inputsPath, outPath: join(root, 'own.proofs.jsonl'), workers: 1, weightsPath: join(root, 'tuned.weights.json') })).rejects.toThrow(
      /own\.proofs\.jsonl:1 was proven with another weight set/,
    )
    // The same set resumes: nothing left to prove.
    const again = await proveBatch({ buildDir, inputsPath, outPath: join(root, 'tuned.proofs.jsonl'), workers: 1, weightsPath: join(root, 'tuned.weights.json') })
    expect([again.proven, again.skipped]).toEqual([0, 3])
  })

  it('refuses the weights of another network, naming what differs', async () => {
    await expect(makeWeightSet({ buildDir, modelPath: examplePath('digits', 'model.onnx'), outPath: join(root, 'digits.weights.json') })).rejects.toThrow(WeightSetError)
    await expect(makeWeightSet({ buildDir, modelPath: examplePath('digits', 'model.onnx'), outPath: join(root, 'digits.weights.json') })).rejects.toThrow(/input shape/)
    expect(buildPaths(buildDir).zkey).toMatch(/circuit\.zkey$/)
  })
})
