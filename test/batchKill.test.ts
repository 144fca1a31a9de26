import { spawn } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { verifyProofs } from '../src/verify/verifyProofs.js'
import { irisInputs, jsonl, readErrorLines, readProofLines } from './support/batchFiles.js'
import { ROOT, buildExample } from './support/exampleBuild.js'

const BIN = join(ROOT, 'bin', 'glassbox.js')

/** Runs `glassbox prove …`; sends `signal` once `when()` holds (polled every 10 ms), if it does before the end. */
function prove(args: string[], when?: () => boolean, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'prove', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = when ? setInterval(() => when() && (clearInterval(timer), child.kill(signal)), 10) : undefined
    child.once('exit', (code, exitSignal) => {
      clearInterval(timer)
      resolve({ code, signal: exitSignal, stdout, stderr })
    })
  })
}

const linesIn = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0)

// A small deterministic generator, so a failure can be replayed.
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

describe('kill -9 at any point, then rerun: every input ends with exactly one line', () => {
  let buildDir: string
  let dir: string

  beforeAll(async () => {
    buildDir = await buildExample('iris')
    dir = mkdtempSync(join(tmpdir(), 'glassbox-kill-'))
  })
  afterAll(async () => {
    await releaseSnarkjs()
    rmSync(dir, { recursive: true, force: true })
    rmSync(dirname(buildDir), { recursive: true, force: true })
  })

  it('SIGKILLs the CLI at random points (and mid-write), reruns until done: one verifying proof per good id, one error line per planted bad line', async () => {
    const good = irisInputs(24)
    const lines: unknown[] = [...good]
    // Planted bad lines (1-based line numbers after insertion): NaN, wrong length, not JSON (its id still read for the error line), a duplicate id.
    lines.splice(3, 0, '{"id":"bad-nan","input":[5.1,NaN,1.4,0.2]}')
    lines.splice(9, 0, '{"id":"bad-short","input":[5.1,3.5,1.4]}')
    lines.splice(15, 0, '{"id": "bad-json", "input": [5.1, 3.5,')
    lines.splice(21, 0, { id: 'g2', input: [6.1, 2.8, 4.7, 1.2] })
    const planted = new Map([[4, 'bad-nan'], [10, 'bad-short'], [16, 'bad-json'], [22, 'g2']])
    const inputs = join(dir, 'inputs.jsonl')
    writeFileSync(inputs, jsonl(lines))
    const out = join(dir, 'proofs.jsonl')
    const errors = join(dir, 'proofs.errors.jsonl')
    const args = [buildDir, '--inputs', inputs, '--out', out, '--workers', '2', '--json', '--quiet']

    const next = random(20261201)
    let kills = 0
    for (let round = 0; round < 6; round++) {
      // Kill when the proofs file has grown by a random number of lines (0: during start-up), a random few ms later,
      // so the kills land while proving whatever the machine's speed.
      const target = linesIn(out) + Math.floor(next() * 6)
      const delay = Math.floor(next() * 40)
      let reachedAt = 0
      const result = await prove(args, () => {
        if (!reachedAt && linesIn(out) >= target) reachedAt = Date.now()
        return reachedAt > 0 && Date.now() - reachedAt >= delay
      })
      if (result.signal === 'SIGKILL') kills++
      else break
      // Simulate the kill landing inside a write: half a line at the end of a file.
      if (round === 1 || round === 3) {
        const text = existsSync(out) ? readFileSync(out, 'utf8') : ''
        const last = text.trimEnd().split('\n').at(-1) || '{"id":"g0","output":[1'
        appendFileSync(out, last.slice(0, Math.floor(last.length / 2)))
      }
      if (round === 2) appendFileSync(errors, '{"id":"bad-nan","line":4,"rea')
    }
    expect(kills).toBeGreaterThanOrEqual(2)

    let final
    for (let round = 0; round < 3 && !final; round++) {
      const result = await prove(args)
      expect(result.code, result.stderr).toBe(1) // the planted lines could not be proven
      // Exit 1 with --json: the failure document carries the summary as its result.
      const document = JSON.parse(result.stdout) as { ok: false; result: { stopped: string; proven: number; skipped: number; failed: number; alreadyFailed: number } }
      const summary = document.result
      if (summary.stopped === 'complete') final = summary
    }
    expect(final).toBeDefined()
    expect(final!.proven + final!.skipped).toBe(24)
    expect(final!.failed + final!.alreadyFailed).toBe(4)

    const records = readProofLines(out)
    expect(records.map((r) => r.id).sort()).toEqual(good.map((g) => g.id).sort())
    const checks = await verifyProofs({ buildDir, proofsPath: out })
    expect(checks.filter((c) => c.valid)).toHaveLength(24)
    const errorLines = readErrorLines(errors)
    expect(errorLines.map((e) => [e.line, e.id]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([...planted.entries()])

    // The CLI refuses a resume onto a changed input: exit 2, naming the id and line.
    writeFileSync(inputs, jsonl(lines.map((l, i) => (i === 0 ? { ...(l as object), input: [7.7, 3, 6.1, 2.3] } : l))))
    const refused = await prove(args)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/inputs\.jsonl:1: the input of "g0" is not the one proven on line \d+ of .*proofs\.jsonl[\s\S]*new --out/)
  })

  it('SIGTERM stops scheduling and lets the proofs in flight finish: whole lines, exit 130, and the rerun completes', async () => {
    const good = irisInputs(60, 't')
    const inputs = join(dir, 'term.jsonl')
    writeFileSync(inputs, jsonl(good))
    const out = join(dir, 'term-proofs.jsonl')
    const args = [buildDir, '--inputs', inputs, '--out', out, '--workers', '2', '--json']
    const stopped = await prove(args, () => linesIn(out) >= 2, 'SIGTERM')
    expect(stopped.code, stopped.stderr).toBe(130)
    expect(stopped.stderr).toMatch(/stopping: finishing the proofs in flight/)
    const failure = JSON.parse(stopped.stdout) as { ok: false; error: { name: string }; result: { stopped: string; proven: number } }
    expect(failure.error.name).toBe('InterruptedError')
    const summary = failure.result
    expect(summary.stopped).toBe('aborted')
    expect(readProofLines(out)).toHaveLength(summary.proven)
    const rest = await prove(args)
    expect(rest.code, rest.stderr).toBe(0)
    expect(readProofLines(out).map((r) => r.id).sort()).toEqual(good.map((g) => g.id).sort())
  })
})
