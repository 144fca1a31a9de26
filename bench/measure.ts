/**
 * Small measuring helpers for bench/run.ts: timing, ptau cache inspection,
 * per-run input files and proof-file statistics.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger, ProofRecord } from '../src/index.js'

/** Runs `work` and returns its result with the elapsed wall time in seconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now()
  const value = await work()
  return { value, seconds: (performance.now() - started) / 1000 }
}

/** A logger for one example: info and warnings to stderr with a prefix, debug dropped. */
export function prefixedLogger(prefix: string): Logger {
  return {
    info: (m) => process.stderr.write(`[${prefix}] ${m}\n`),
    warn: (m) => process.stderr.write(`[${prefix}] warning: ${m}\n`),
    debug: () => {},
  }
}

/** The dev ptau files cached in `<keysDir>/ptau` (names like dev-13.ptau). */
export async function cachedPtauFiles(keysDir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(join(keysDir, 'ptau'))).filter((f) => /^dev-\d+\.ptau$/.test(f)))
  } catch {
    return new Set()
  }
}

/** Writes the first `count` lines of a JSONL file to `outPath` (fails if there are fewer). */
export async function writeFirstLines(sourcePath: string, outPath: string, count: number): Promise<void> {
  const lines = (await readFile(sourcePath, 'utf8')).split('\n').filter((l) => l.trim() !== '')
  if (lines.length < count) throw new Error(`${sourcePath} has ${lines.length} inputs, the benchmark needs ${count}.`)
  await writeFile(outPath, `${lines.slice(0, count).join('\n')}\n`)
}

/** The `ms` (witness + proof wall time, per record) of every proof in a proofs file. */
export async function proofMillis(proofsPath: string): Promise<number[]> {
  const lines = (await readFile(proofsPath, 'utf8')).split('\n').filter((l) => l.trim() !== '')
  return lines.map((l) => (JSON.parse(l) as ProofRecord).ms)
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN
}

/** Rounds to `digits` decimals (for the JSON report). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
