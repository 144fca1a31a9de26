import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../src/verify/verifyProofs.js'
import { irisInputs, jsonl, readErrorLines, readProofLines } from './support/batchFiles.js'
import { ROOT, buildExample } from './support/exampleBuild.js'
import type { TestRedis } from './support/testRedis.js'
import { canStartRedis, redisSkipReason, startTestRedis } from './support/testRedis.js'

const BIN = join(ROOT, 'bin', 'glassbox.js')
const skip = redisSkipReason()

type Running = { child: ChildProcessWithoutNullStreams; output: () => string; stdout: () => string; exited: Promise<number | null> }

/** `onOutput` runs synchronously on every chunk, so a test can act the moment a line appears. */
function glassbox(args: string[], onOutput?: (output: string, child: ChildProcessWithoutNullStreams) => void): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT })
  let output = ''
  let stdout = ''
  child.stdout.on('data', (c: Buffer) => ((output += c.toString()), (stdout += c.toString()), onOutput?.(output, child)))
  child.stderr.on('data', (c: Buffer) => ((output += c.toString()), onOutput?.(output, child)))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  return { child, output: () => output, stdout: () => stdout, exited }
}

async function until(condition: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const started = (log: string) => [...log.matchAll(/debug: proving (\S+) \(line/g)].map((m) => m[1]!)
const finished = (log: string) => [...log.matchAll(/debug: (\S+): proved in/g)].map((m) => m[1]!)

describe.skipIf(skip)(`proving through BullMQ on Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: TestRedis
  let buildDir: string
  let dir: string

  beforeAll(async () => {
    redis = await startTestRedis()
    buildDir = await buildExample('iris')
    dir = mkdtempSync(join(tmpdir(), 'glassbox-queue-'))
  })
  afterAll(async () => {
    await releaseSnarkjs()
    await redis?.stop()
    rmSync(dir, { recursive: true, force: true })
    if (buildDir) rmSync(dirname(buildDir), { recursive: true, force: true })
  })

  it('two workers, one SIGKILLed mid-job: every input proven exactly once in the collected file', async () => {
    const good = irisInputs(16, 'q')
    const inputs = join(dir, 'inputs.jsonl')
    writeFileSync(inputs, jsonl([...good.slice(0, 5), '{"id":"q-bad","input":[1,2]}', ...good.slice(5)]))
    const out = join(dir, 'proofs.jsonl')
    // Short locks so the killed worker's jobs come back within seconds (the defaults are 20 s / 10 s).
    const workerArgs = ['worker', '--queue', redis.url, '--workers', '1', '--lock-duration', '3000', '--stalled-interval', '1000', '--verbose']
    // The victim works alone until it is killed the moment it starts its third job (no polling window
    // in which that job could finish); only then does the survivor join, so the race between the two
    // cannot leave the victim with too few jobs to kill it mid-job.
    let cut = ''
    const victim = glassbox([...workerArgs, '--build-cache', join(dir, 'cache-a')], (log, child) => {
      if (!cut && started(log).length >= 3) {
        child.kill('SIGKILL')
        cut = log
      }
    })
    let survivor: Running | undefined
    try {
      const producer = glassbox(['prove', buildDir, '--inputs', inputs, '--out', out, '--queue', redis.url, '--json', '--quiet'])
      await until(() => cut !== '', 'the first worker to take three jobs')
      await victim.exited
      survivor = glassbox([...workerArgs, '--build-cache', join(dir, 'cache-b')])
      const interrupted = started(cut).filter((id) => !finished(cut).includes(id))
      expect(interrupted.length).toBeGreaterThan(0)
      const code = await producer.exited
      expect(code, producer.output()).toBe(1) // the planted bad line
      // Exit 1 (the planted bad line) with --json: the failure document carries the summary as its result.
      const summary = (JSON.parse(producer.stdout()) as { result: { proven: number; failed: number; backend: string; stopped: string } }).result
      expect(summary).toMatchObject({ proven: 16, failed: 1, backend: 'queue', stopped: 'complete' })
      // The jobs the dead worker held were taken up by the other one.
      for (const id of interrupted) expect(started(survivor.output())).toContain(id)
      const records = readProofLines(out)
      expect(records.map((r) => r.id).sort()).toEqual(good.map((g) => g.id).sort())
      expect((await verifyProofs({ buildDir, proofsPath: out })).every((c) => c.valid)).toBe(true)
      expect(readErrorLines(join(dir, 'proofs.errors.jsonl')).map((e) => [e.line, e.id])).toEqual([[6, 'q-bad']])

      // A rerun finds everything done: nothing enqueued, nothing written twice.
      const rerun = glassbox(['prove', buildDir, '--inputs', inputs, '--out', out, '--queue', redis.url, '--json', '--quiet'])
      expect(await rerun.exited).toBe(1)
      expect(JSON.parse(rerun.stdout())).toMatchObject({ ok: false, result: { proven: 0, skipped: 16, alreadyFailed: 1 } })
      expect(readProofLines(out)).toHaveLength(16)
    } finally {
      victim.child.kill('SIGKILL')
      survivor?.child.kill('SIGTERM')
      await survivor?.exited
    }
  })

  it.skipIf(!canStartRedis())('survives Redis going away mid-batch and coming back empty: reported, retried, every input proven once', async () => {
    const own = await startTestRedis({ ownServer: true })
    // Enough inputs that the restart lands mid-batch even when the worker is fast.
    const good = irisInputs(48, 'z')
    const inputs = join(dir, 'restart.jsonl')
    writeFileSync(inputs, jsonl(good))
    const out = join(dir, 'restart-proofs.jsonl')
    const worker = glassbox(['worker', '--queue', own.url, '--workers', '1', '--lock-duration', '3000', '--stalled-interval', '1000', '--verbose', '--build-cache', join(dir, 'cache-c')])
    try {
      const producer = glassbox(['prove', buildDir, '--inputs', inputs, '--out', out, '--queue', own.url, '--json'])
      await until(() => finished(worker.output()).length >= 3, 'three proofs before the restart')
      // Without persistence the new server is empty: queued jobs and results are gone, and must be enqueued again.
      // Down for 4 s: several of the clients' reconnect attempts (0.5 s, 1.5 s, 3 s after the drop) are refused.
      await own.restart!(4000)
      expect(await producer.exited, producer.output()).toBe(0)
      expect(producer.output()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/)
      expect(JSON.parse(producer.stdout())).toMatchObject({ proven: 48, failed: 0, stopped: 'complete' })
      expect(readProofLines(out).map((r) => r.id).sort()).toEqual(good.map((g) => g.id).sort())
      expect((await verifyProofs({ buildDir, proofsPath: out })).every((c) => c.valid)).toBe(true)
    } finally {
      worker.child.kill('SIGTERM')
      await worker.exited
      await own.stop()
    }
  })

  it('reports a Redis that is not there with a redacted URL, and keeps retrying', async () => {
    const inputs = join(dir, 'one.jsonl')
    writeFileSync(inputs, jsonl(irisInputs(1)))
    // Port 9 (discard) on loopback: nothing listens.
    const producer = glassbox(['prove', buildDir, '--inputs', inputs, '--out', join(dir, 'nowhere.jsonl'), '--queue', 'redis://alice:s3cret@127.0.0.1:9'])
    try {
      await until(() => /unreachable/.test(producer.output()), 'the unreachable warning', 30_000)
      expect(producer.output()).toMatch(/Redis at redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:9 is unreachable \(ECONNREFUSED\); retrying with back-off/)
      expect(producer.output()).not.toMatch(/s3cret/)
      expect(producer.child.exitCode).toBeNull()
    } finally {
      producer.child.kill('SIGKILL')
    }
  })
})
