/**
 * Salted input hashes end to end through the library (issue 9.5): an inputs line with a
 * `"salt"` proves Poseidon(h, salt) as its input hash, an unsalted line in the same batch proves
 * h as before; the record says it is salted but never carries the salt (nor a SHA-256 of the
 * input alone, which would undo it); `verifyProofs` with the inputs file re-derives both hashes
 * and refuses a wrong salt, a missing salt and another input; a build compiled without a salt
 * refuses a salted line.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readManifest } from '../src/artifacts/manifest.js'
import { decodePublicSignals } from '../src/artifacts/decodePublicSignals.js'
import { hashRequestInput } from '../src/chain/requestInput.js'
import { compileModel } from '../src/compile/compileModel.js'
import { proveBatch } from '../src/prove/proveBatch.js'
import { inputSha256 } from '../src/prove/inputSha256.js'
import type { ProofRecord } from '../src/prove/proofRecord.js'
import { quantizeInput } from '../src/quantize/quantizeInput.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../src/verify/verifyProofs.js'
import { buildExample, examplePath } from './support/exampleBuild.js'
import { makeTempDir } from './support/tempDirs.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const SALT = 0x1234567890abcdef1234567890abcdefn

describe('salted input hashes', () => {
  let buildDir: string
  let inputs: { id: string; input: number[] }[]
  let records: ProofRecord[]
  const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n'

  beforeAll(async () => {
    buildDir = await buildExample('iris')
    inputs = (await readFile(examplePath('iris', 'inputs.jsonl'), 'utf8')).trim().split('\n').slice(0, 2).map((l) => JSON.parse(l) as { id: string; input: number[] })
    const inputsPath = join(buildDir, 'salted.jsonl')
    await writeFile(inputsPath, jsonl([{ ...inputs[0], salt: `0x${SALT.toString(16)}` }, inputs[1]]))
    const outPath = join(buildDir, 'proofs.jsonl')
    const result = await proveBatch({ buildDir, inputsPath, outPath, workers: 1, prover: PROVER })
    expect(result.failures).toEqual([])
    records = (await readFile(outPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ProofRecord)
  }, 300_000)

  afterAll(async () => {
    await releaseSnarkjs()
    if (buildDir) await rm(dirname(buildDir), { recursive: true, force: true })
  })

  it('proves Poseidon(h, salt) for the salted line and h for the other, and the record keeps the salt out', async () => {
    const manifest = await readManifest(buildDir)
    expect(manifest.input.salted).toBe(true)
    const model = JSON.parse(await readFile(join(buildDir, 'model.json'), 'utf8'))
    const [salted, plain] = records as [ProofRecord, ProofRecord]
    const hashOf = (r: ProofRecord) => decodePublicSignals(manifest.publicSignals, r.publicSignals).inputHash
    const values0 = quantizeInput(model, inputs[0]!.input)
    expect(hashOf(salted)).toBe(await hashRequestInput({ values: values0, bits: model.input.bits, salt: SALT }))
    expect(hashOf(plain)).toBe(await hashRequestInput({ values: quantizeInput(model, inputs[1]!.input), bits: model.input.bits }))
    expect(salted.salted).toBe(true)
    expect(plain.salted).toBeUndefined()
    const text = JSON.stringify(salted)
    expect(text).not.toContain(SALT.toString())
    expect(text).not.toContain(SALT.toString(16))
    expect(salted.inputSha256).not.toBe(inputSha256(inputs[0]!.input))
    expect(salted.inputSha256).toBe(inputSha256(inputs[0]!.input, SALT))
    expect(plain.inputSha256).toBe(inputSha256(inputs[1]!.input))
  })

  it('verify re-derives the input hashes from the inputs file with the salt, and refuses a wrong or missing salt', async () => {
    const check = async (rows: unknown[]) => {
      const inputsPath = join(buildDir, `check-${Math.random().toString(36).slice(2)}.jsonl`)
      await writeFile(inputsPath, jsonl(rows))
      return verifyProofs({ buildDir, proofsPath: join(buildDir, 'proofs.jsonl'), inputsPath })
    }
    const good = await check([{ ...inputs[0], salt: SALT.toString() }, inputs[1]])
    expect(good.map((c) => c.valid)).toEqual([true, true])
    const wrong = await check([{ ...inputs[0], salt: (SALT + 1n).toString() }, { ...inputs[1], salt: '7' }])
    expect(wrong.map((c) => c.valid)).toEqual([false, false])
    expect(wrong[0]!.problems.join('; ')).toMatch(/not Poseidon of this input with its salt/)
    const missing = await check([inputs[0], inputs[1]])
    expect(missing[0]!.problems.join('; ')).toMatch(/salted, but the input line has no "salt"/)
    expect(missing[1]!.valid).toBe(true)
    const other = await check([{ id: inputs[0]!.id, input: inputs[1]!.input, salt: SALT.toString() }])
    expect(other[0]!.valid).toBe(false)
    expect(other[1]!.problems.join('; ')).toMatch(/no input with id/)
    for (const c of [...wrong, ...missing, ...other]) expect(c.problems.join(' ')).not.toContain(SALT.toString())
  }, 120_000)

  it('a build without a salt input refuses a salted line, and a bad salt is an input error line', async () => {
    const outDir = join(makeTempDir('glassbox-nosalt-'), 'build')
    await compileModel({ modelPath: examplePath('iris', 'model.onnx'), calibrationPath: examplePath('iris', 'calibration.jsonl'), outDir, name: 'iris', salt: false })
    expect((await readManifest(outDir)).input.salted).toBe(false)
    const { setupKeys } = await import('../src/setup/setupKeys.js')
    const { KEYS_DIR } = await import('./support/exampleBuild.js')
    await setupKeys({ buildDir: outDir, keysDir: KEYS_DIR })
    const inputsPath = join(outDir, 'in.jsonl')
    await writeFile(inputsPath, jsonl([{ ...inputs[0], salt: '5' }, { ...inputs[1], salt: 'not a salt' }]))
    const result = await proveBatch({ buildDir: outDir, inputsPath, outPath: join(outDir, 'p.jsonl'), workers: 1, prover: PROVER })
    expect(result.failures.map((f) => f.message).join('\n')).toMatch(/takes no salt/)
    expect(result.failures.map((f) => f.message).join('\n')).toMatch(/the salt must be a field element/)
    await rm(dirname(outDir), { recursive: true, force: true })
  }, 300_000)
})
