import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { GlassboxError } from '../errors.js'

/** The `--json` document of a failed command (see the README, "--json output"). */
export type JsonFailure = {
  ok: false
  error: { name: string; code: string; message: string; details: string | null; exitCode: number }
  /** What the command produced before it failed (verify's checks, prove's summary), when it got that far. */
  result?: unknown
}

// CLI-process state: with --json, stdout carries exactly one JSON document.
// A command's result is held until the command ends, so that a command that
// prints its result and then fails a check (verify, prove) still prints one
// document: the failure, with the result inside.
let pendingJson: { value: unknown } | undefined

/** Prints a result: JSON on --json (bigints as strings; written when the command ends), else the human text now. */
export function printResult(json: boolean, value: unknown, human: () => string): void {
  if (json) pendingJson = { value }
  else process.stdout.write(`${human()}\n`)
}

/** Writes the held `--json` result of a command that succeeded. */
export function flushJsonResult(): void {
  if (pendingJson) process.stdout.write(`${toJson(pendingJson.value)}\n`)
  pendingJson = undefined
}

/** Writes the `--json` failure document for `error`, with the held result if there was one. */
export function printJsonFailure(error: GlassboxError): void {
  const failure: JsonFailure = {
    ok: false,
    error: { name: error.name, code: error.code, message: error.shortMessage, details: error.details ?? null, exitCode: error.exitCode },
    ...(pendingJson ? { result: pendingJson.value } : {}),
  }
  pendingJson = undefined
  process.stdout.write(`${toJson(failure)}\n`)
}

/** Drops a held result (a new CLI run in the same process: the tests). */
export function resetJsonResult(): void {
  pendingJson = undefined
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)
}

/**
 * Creates the folder an output file goes into (`--out results/today/proofs.jsonl`),
 * so a missing folder is not an error.
 */
export async function ensureParentFolder(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
}

/** Formats rows as an aligned text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))]
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}
