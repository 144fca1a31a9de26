import { mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonl, irisInputs, readErrorLines, readProofLines } from '../../test/support/batchFiles.js'
import { KEYS_DIR, ROOT, buildExample } from '../../test/support/exampleBuild.js'
import { readManifest } from '../artifacts/manifest.js'
import { setupKeys } from '../setup/setupKeys.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { verifyProofs } from '../verify/verifyProofs.js'
import { createPoolExecutor } from './createPoolExecutor.js'
import { inputSha256 } from './inputSha256.js'
import { proveBatch } from './proveBatch.js'
import type { BatchEvent } from './proveBatchStream.js'
import { proveBatchStream } from './proveBatchStream.js'
import { ResumeMismatchError } from './resumeMismatchError.js'
import { selectBackend } from './selectBackend.js'

describe('streaming batch: error lines, resume checks, faults, cancellation', () => {
  let buildDir: string
  let dir: string
  let vkeySha256: string
  const cleanup: string[] = []

  beforeAll(async () => {
    buildDir = await buildExample('iris')
    cleanup.push(dirname(buildDir))
    dir = mkdtempSync(join(tmpdir(), 'glassbox-batch-'))
    cleanup.push(dir)
    vkeySha256 = (await readManifest(buildDir)).artifacts['verificationKey']!
  })
  afterAll(async () => {
    await releaseSnarkjs()
    for (const d of cleanup) rmSync(d, { recursive: true, force: true })
  })

  it('writes one error line per bad line, proves the rest, and a rerun settles nothing twice', async () => {
    const good = irisInputs(5)
    const inputs = join(dir, 'mixed.jsonl')
    await writeFile(
      inputs,
      jsonl([good[0], '{"id":"nan","input":[5.1,NaN,1.4,0.2]}', good[1], '{"id":"short","input":[5.1,3.5]}', '', 'garbage', good[2], { ...good[0], input: [6, 3, 4, 1] }, { input: [1, 2, 3, 4] }, good[3], good[4]]),
    )
    const out = join(dir, 'mixed-proofs.jsonl')
    const first = await proveBatch({ buildDir, inputsPath: inputs, outPath: out, workers: 2 })
    expect(first).toMatchObject({ proven: 5, failed: 5, skipped: 0, stopped: 'complete', errorsPath: join(dir, 'mixed-proofs.errors.jsonl') })
    const errors = readErrorLines(first.errorsPath)
    expect(errors.map((e) => [e.line, e.id, e.kind]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [2, 'nan', 'input'],
      [4, 'short', 'input'],
      [6, null, 'input'],
      [8, 'g0', 'duplicate'],
      [9, null, 'input'],
    ])
    expect(errors.find((e) => e.line === 8)!.reason).toMatch(/duplicate id "g0" \(first on line 1\)/)
    expect(errors.find((e) => e.line === 4)!.reason).toMatch(/2 values but the model takes 4/)
    const records = readProofLines(out)
    expect(records.map((r) => r.id).sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4'])
    for (const r of records) {
      expect(r.vkeySha256).toBe(vkeySha256)
      expect(r.inputSha256).toBe(inputSha256(good.find((g) => g.id === r.id)!.input))
    }
    expect((await verifyProofs({ buildDir, proofsPath: out })).every((c) => c.valid)).toBe(true)

    const again = await proveBatch({ buildDir, inputsPath: inputs, outPath: out, workers: 2 })
    expect(again).toMatchObject({ proven: 0, failed: 0, skipped: 5, alreadyFailed: 5, workers: 0 })
    expect(readProofLines(out)).toHaveLength(5)
    expect(readErrorLines(first.errorsPath)).toHaveLength(5)
  })

  it('stops early at maxFailures, and the rerun finishes with every input settled once', async () => {
    const inputs = join(dir, 'many-bad.jsonl')
    await writeFile(inputs, jsonl(['bad 1', 'bad 2', 'bad 3', ...irisInputs(6)]))
    const out = join(dir, 'many-bad-proofs.jsonl')
    const stopped = await proveBatch({ buildDir, inputsPath: inputs, outPath: out, workers: 1, maxFailures: 2 })
    expect(stopped.stopped).toBe('max-failures')
    expect(stopped.failed).toBeGreaterThanOrEqual(2)
    expect(stopped.proven + stopped.failed).toBeLessThan(9)
    const rest = await proveBatch({ buildDir, inputsPath: inputs, outPath: out, workers: 2 })
    expect(rest.stopped).toBe('complete')
    expect(readErrorLines(rest.errorsPath).map((e) => e.line).sort()).toEqual([1, 2, 3])
    expect(readProofLines(out).map((r) => r.id).sort()).toEqual(['g0', 'g1', 'g2', 'g3', 'g4', 'g5'])
  })

  it('replaces a crashed or hung worker and retries its input, then writes an error line', async () => {
    const markers = mkdtempSync(join(tmpdir(), 'glassbox-faulty-'))
    cleanup.push(markers)
    process.env['FAULTY_WORKER_DIR'] = markers
    const inputs = join(dir, 'faulty.jsonl')
    const [a, b] = irisInputs(2)
    await writeFile(inputs, jsonl([a, { ...b!, id: 'flaky-1' }, { ...a!, id: 'crash-1' }, { ...b!, id: 'hang-1' }, b]))
    const out = join(dir, 'faulty-proofs.jsonl')
    const summary = await proveBatch({
      buildDir,
      inputsPath: inputs,
      outPath: out,
      // One task in the pool at a time: a crash then takes down no other input with it. The timeout also covers a
      // fresh worker's start (loading the keys), so it is kept well above that on a loaded machine.
      maxInFlight: 1,
      executor: async () =>
        createPoolExecutor({ buildDir, workers: 1, backend: selectBackend('auto'), prover: '0x0000000000000000000000000000000000000000', taskTimeoutMs: 10_000, retries: 1, filename: join(ROOT, 'test/support/faultyProveWorker.ts') }),
    })
    expect(summary).toMatchObject({ proven: 3, failed: 2, stopped: 'complete' })
    expect(readProofLines(out).map((r) => r.id).sort()).toEqual(['flaky-1', 'g0', 'g1'])
    const errors = readErrorLines(summary.errorsPath)
    expect(errors.find((e) => e.id === 'crash-1')!.reason).toMatch(/worker stopped.*gave up after 2 attempts/)
    expect(errors.find((e) => e.id === 'hang-1')!.reason).toMatch(/no result after 10000 ms.*gave up after 2 attempts/)
    expect((await verifyProofs({ buildDir, proofsPath: out })).every((c) => c.valid)).toBe(true)
  })

  it('streams events, and an abort drains (or abandons) without a torn line; the rerun completes', async () => {
    const inputs = join(dir, 'abort.jsonl')
    const rows = irisInputs(10)
    await writeFile(inputs, jsonl(rows))
    for (const abortMode of ['drain', 'abandon'] as const) {
      const out = join(dir, `abort-${abortMode}.jsonl`)
      const controller = new AbortController()
      const seen: BatchEvent['type'][] = []
      const events = proveBatchStream({ buildDir, inputsPath: inputs, outPath: out, workers: 2, signal: controller.signal, abortMode })
      let summary
      for await (const event of events) {
        seen.push(event.type)
        if (event.type === 'proof') controller.abort()
        if (event.type === 'done') summary = event.summary
      }
      expect(seen).toContain('progress')
      expect(seen.at(-1)).toBe('done')
      expect(summary!.stopped).toBe('aborted')
      expect(summary!.proven).toBeLessThan(10)
      expect(readProofLines(out)).toHaveLength(summary!.proven)
      const rest = await proveBatch({ buildDir, inputsPath: inputs, outPath: out, workers: 2 })
      expect(rest.skipped + rest.proven).toBe(10)
      expect(readProofLines(out).map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort())
    }
    // Leaving the loop early stops the batch too, and the generator's cleanup waits for it.
    const out = join(dir, 'abort-break.jsonl')
    for await (const event of proveBatchStream({ buildDir, inputsPath: inputs, outPath: out, workers: 2 })) if (event.type === 'proof') break
    expect(readProofLines(out).length).toBeGreaterThan(0)
  })

  describe('resume cannot be fooled', () => {
    const inputsOf = (n: number) => irisInputs(n, 'r')
    const fakeRecord = (row: { id: string; input: number[] }, vkey: string) => ({ id: row.id, output: [], outputQ: [], publicSignals: [], proof: {}, backend: 'native', ms: 1, vkeySha256: vkey, inputSha256: inputSha256(row.input) })

    it('refuses a proofs file from another model', async () => {
      const other = await buildExample('iris', { bits: 12 })
      cleanup.push(dirname(other))
      const inputs = join(dir, 'r.jsonl')
      await writeFile(inputs, jsonl(inputsOf(3)))
      const out = join(dir, 'r-other.jsonl')
      await proveBatch({ buildDir: other, inputsPath: inputs, outPath: out, workers: 1 })
      const error = await proveBatch({ buildDir, inputsPath: inputs, outPath: out }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ResumeMismatchError)
      expect((error as ResumeMismatchError).exitCode).toBe(2)
      expect((error as Error).message).toMatch(new RegExp(`r-other\\.jsonl:1: the proof of "r0" was made with other keys[\\s\\S]*this build's is ${vkeySha256}[\\s\\S]*new --out`))
    })

    it('refuses records made before a second setup of the same model', async () => {
      const rebuilt = await buildExample('iris')
      cleanup.push(dirname(rebuilt))
      const before = (await readManifest(rebuilt)).artifacts['verificationKey']!
      const rows = inputsOf(2)
      const out = join(dir, 'r-resetup.jsonl')
      await writeFile(out, jsonl(rows.map((r) => fakeRecord(r, before))))
      await setupKeys({ buildDir: rebuilt, keysDir: KEYS_DIR })
      await releaseSnarkjs()
      const after = (await readManifest(rebuilt)).artifacts['verificationKey']!
      expect(after).not.toBe(before)
      const inputs = join(dir, 'r2.jsonl')
      await writeFile(inputs, jsonl(rows))
      await expect(proveBatch({ buildDir: rebuilt, inputsPath: inputs, outPath: out })).rejects.toThrow(/"r0" was made with other keys \(verification key SHA-256 [0-9a-f]{64}[\s\S]*second `glassbox setup`/)
    })

    it('refuses a changed input under the same id, naming the id, both lines and both hashes', async () => {
      const rows = inputsOf(4)
      const inputs = join(dir, 'r4.jsonl')
      await writeFile(inputs, jsonl(rows))
      const out = join(dir, 'r-changed.jsonl')
      await writeFile(out, jsonl(rows.map((r) => fakeRecord(r, vkeySha256))))
      const changed = rows.map((r, i) => (i === 2 ? { ...r, input: [7.7, 3.0, 6.1, 2.3] } : r))
      await writeFile(inputs, jsonl(changed))
      const error = (await proveBatch({ buildDir, inputsPath: inputs, outPath: out }).catch((e: unknown) => e)) as ResumeMismatchError
      expect(error).toBeInstanceOf(ResumeMismatchError)
      expect(error.shortMessage).toMatch(/r4\.jsonl:3: the input of "r2" is not the one proven on line 3 of .*r-changed\.jsonl \(input SHA-256 [0-9a-f]{16}…, the proof's [0-9a-f]{16}…\)/)
      expect(error.details).toMatch(/new id.*new --out.*delete/)
    })

    it('refuses records of an older glassbox (no vkeySha256 / inputSha256)', async () => {
      const rows = inputsOf(1)
      const inputs = join(dir, 'r1.jsonl')
      await writeFile(inputs, jsonl(rows))
      const out = join(dir, 'r-old.jsonl')
      const { vkeySha256: _v, inputSha256: _i, ...old } = fakeRecord(rows[0]!, vkeySha256)
      await writeFile(out, jsonl([old]))
      await expect(proveBatch({ buildDir, inputsPath: inputs, outPath: out })).rejects.toThrow(/r-old\.jsonl:1: the record of "r0" has no vkeySha256\/inputSha256[\s\S]*older glassbox/)
      expect(await readFile(out, 'utf8')).toBe(jsonl([old]))
    })
  })
})
