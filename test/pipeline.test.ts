import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { decodePublicSignals } from '../src/artifacts/decodePublicSignals.js'
import { readManifest } from '../src/artifacts/manifest.js'
import { ArtifactError } from '../src/errors.js'
import { proveBatch } from '../src/prove/proveBatch.js'
import type { ProofRecord } from '../src/prove/proofRecord.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../src/verify/verifyProofs.js'
import { verifyProofsOnChain } from '../src/verify/verifyProofsOnChain.js'
import { buildExample, examplePath } from './support/exampleBuild.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

describe('iris pipeline: compile → setup → pooled proving → verification', () => {
  let buildDir: string
  let proofsPath: string
  let records: ProofRecord[]

  beforeAll(async () => {
    buildDir = await buildExample('iris')
    proofsPath = join(buildDir, 'proofs.jsonl')
    const result = await proveBatch({ buildDir, inputsPath: examplePath('iris', 'inputs.jsonl'), outPath: proofsPath, workers: 2, prover: PROVER })
    expect(result.failures).toEqual([])
    records = (await readFile(proofsPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ProofRecord)
  })
  afterAll(releaseSnarkjs)

  it('writes one proof per input, bound to the prover', async () => {
    expect(records.map((r) => r.id).sort()).toEqual(['test-0', 'test-1', 'test-2', 'test-3', 'test-4', 'test-5', 'test-6', 'test-7'])
    for (const r of records) {
      // The default backend is native when its addon is built, snarkjs otherwise.
      expect(['native', 'snarkjs']).toContain(r.backend)
      expect(r.publicSignals.at(-1)).toBe(BigInt(PROVER).toString())
      // The outputs and class, packed into one word, are the record's.
      const statement = decodePublicSignals((await readManifest(buildDir)).publicSignals, r.publicSignals)
      expect(statement.outputQ.map(String)).toEqual(r.outputQ)
      expect(statement.class).toBe(r.class)
    }
  })

  it('verifies every proof off-chain, and rejects a tampered proof or public signal', async () => {
    expect((await verifyProofs({ buildDir, proofsPath })).every((c) => c.valid)).toBe(true)
    const first = records[0]!
    // Another class in the packed word: its top bits (2 class bits above 3 outputs of 16 bits).
    const tamperedSignal = { ...first, publicSignals: first.publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) ^ (1n << 48n)) : s)) }
    const tamperedProof = { ...first, proof: { ...first.proof, pi_a: [first.proof.pi_c[0]!, first.proof.pi_c[1]!, '1'] } }
    const tamperedOutput = { ...first, outputQ: first.outputQ.map((q, i) => (i === 0 ? String(BigInt(q) + 1n) : q)) }
    const path = join(buildDir, 'tampered.jsonl')
    await writeFile(path, [tamperedSignal, tamperedProof, tamperedOutput].map((r) => JSON.stringify(r)).join('\n') + '\n')
    const checks = await verifyProofs({ buildDir, proofsPath: path })
    expect(checks.map((c) => c.valid)).toEqual([false, false, false])
    expect(checks[2]!.problems.join()).toMatch(/outputQ\[0\]/)
  })

  it('verifies on an embedded chain and rejects tampering there too', async () => {
    const path = join(buildDir, 'mixed.jsonl')
    const first = records[0]!
    const tampered = { ...first, id: 'tampered', publicSignals: first.publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) + 1n) : s)) }
    await writeFile(path, [first, records[1]!, tampered].map((r) => JSON.stringify(r)).join('\n') + '\n')
    const result = await verifyProofsOnChain({ buildDir, proofsPath: path })
    expect(result.checks.map((c) => c.valid)).toEqual([true, true, false])
    expect(result.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:/)
    expect(Number(result.verificationGas)).toBeGreaterThan(150_000)
  })

  it('resumes a killed job: keeps finished lines, drops a torn one, never duplicates', async () => {
    const resumePath = join(buildDir, 'resume.jsonl')
    const lines = (await readFile(proofsPath, 'utf8')).trim().split('\n')
    // Three finished proofs, then the first half of a fourth line: a crash mid-write.
    await writeFile(resumePath, `${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 40)}`)
    const result = await proveBatch({ buildDir, inputsPath: examplePath('iris', 'inputs.jsonl'), outPath: resumePath, workers: 1, prover: PROVER })
    expect(result.skipped).toBe(3)
    expect(result.proven).toBe(5)
    const ids = (await readFile(resumePath, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as ProofRecord).id)
    expect(new Set(ids).size).toBe(8)
    expect(ids).toHaveLength(8)
  })

  it('refuses a proving key that does not belong to the circuit, before any work', async () => {
    const other = await buildExample('iris', { bits: 12 })
    const broken = await buildExample('iris', { setup: true })
    await copyFile(buildPaths(other).zkey, buildPaths(broken).zkey)
    await expect(proveBatch({ buildDir: broken, inputsPath: examplePath('iris', 'inputs.jsonl'), outPath: join(broken, 'p.jsonl') })).rejects.toThrow(ArtifactError)
  })

  it('writes a wrong length or a NaN to the errors file, naming the line, and proves the rest', async () => {
    const bad = join(buildDir, 'bad.jsonl')
    await writeFile(bad, '{"id":"a","input":[5.1,3.5,1.4,0.2]}\n{"id":"b","input":[1,2,3]}\n{"id":"c","input":[1,NaN,3,4]}\n')
    const result = await proveBatch({ buildDir, inputsPath: bad, outPath: join(buildDir, 'x.jsonl'), workers: 1 })
    expect(result).toMatchObject({ proven: 1, failed: 2 })
    const errors = (await readFile(join(buildDir, 'x.errors.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; line: number; reason: string })
    expect(errors.find((e) => e.line === 2)).toMatchObject({ id: 'b', reason: expect.stringMatching(/3 values.*takes 4/) })
    expect(errors.find((e) => e.line === 3)).toMatchObject({ id: 'c', reason: expect.stringMatching(/not valid JSON.*NaN/) })
  })
})

