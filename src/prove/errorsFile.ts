import { readJsonlLines } from '../io/readJsonlLines.js'
import { repairJsonlTail } from '../io/repairJsonlTail.js'
import type { Logger } from '../logger.js'
import { ResumeMismatchError } from './resumeMismatchError.js'

/**
 * One line of a batch's errors file (`<out>.errors.jsonl`): the input that
 * could not be proven, its 1-based line in the inputs file, and why. `id` is
 * null when the line has no readable id.
 */
export type BatchErrorRecord = {
  id: string | null
  line: number
  reason: string
  /** `input`: the line is malformed (not JSON, no id, wrong length, NaN); `duplicate`: its id is on an earlier line; `prove`: a well-formed input that failed to prove. */
  kind: 'input' | 'duplicate' | 'prove'
}

/** A growable bit set of line numbers: one bit per line of the inputs file. */
export type LineSet = { has(line: number): boolean; add(line: number): void; readonly size: number }

export function createLineSet(): LineSet {
  let bits = new Uint8Array(1024)
  let size = 0
  return {
    has: (line) => line >> 3 < bits.length && (bits[line >> 3]! & (1 << (line & 7))) !== 0,
    add(line) {
      if (line >> 3 >= bits.length) {
        const next = new Uint8Array(Math.max(bits.length * 2, (line >> 3) + 1))
        next.set(bits)
        bits = next
      }
      if (!(bits[line >> 3]! & (1 << (line & 7)))) size++
      bits[line >> 3]! |= 1 << (line & 7)
    },
    get size() {
      return size
    },
  }
}

/** The errors file beside a proofs file. */
export function errorsPathFor(outPath: string): string {
  return `${outPath.replace(/\.jsonl$/, '')}.errors.jsonl`
}

/**
 * Reads the errors file of an interrupted batch (cutting a torn last line):
 * the inputs lines already settled as failed, so a rerun neither retries nor
 * reports them twice.
 *
 * @throws {ResumeMismatchError} for a line that is not an error record.
 */
export async function recoverErrorsFile(path: string, logger: Logger): Promise<LineSet> {
  const lines = createLineSet()
  const { droppedBytes } = await repairJsonlTail(path)
  if (droppedBytes) logger.warn(`${path}: dropped an incomplete last line (${droppedBytes} bytes) left by an interrupted run`)
  try {
    for await (const { lineNumber, text } of readJsonlLines(path)) {
      let line: unknown
      try {
        line = (JSON.parse(text) as { line?: unknown }).line
      } catch {
        line = undefined
      }
      if (typeof line !== 'number' || !Number.isInteger(line) || line < 1) {
        throw new ResumeMismatchError(`${path}:${lineNumber} is not a batch error record ({"id", "line", "reason"}).`, {
          details: `Delete ${path} (its inputs are then tried again) or write to a new --out file.`,
        })
      }
      lines.add(line)
    }
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ENOENT') return lines
    throw error
  }
  return lines
}
