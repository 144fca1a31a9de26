import { readFileSync } from 'node:fs'
import type { BatchErrorRecord } from '../../src/prove/errorsFile.js'
import type { ProofRecord } from '../../src/prove/proofRecord.js'
import { examplePath } from './exampleBuild.js'

/** The lines of a JSONL file, parsed (none when the file is absent). Throws on a torn or broken line. */
export function readLines<T>(path: string): T[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  if (text && !text.endsWith('\n')) throw new Error(`${path} ends with a torn line`)
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T)
}

export const readProofLines = (path: string) => readLines<ProofRecord>(path)
export const readErrorLines = (path: string) => readLines<BatchErrorRecord>(path)

/** `count` iris inputs from its test set, with ids `prefix0…`. */
export function irisInputs(count: number, prefix = 'g'): { id: string; input: number[] }[] {
  const rows = readLines<{ input: number[] }>(examplePath('iris', 'test.jsonl'))
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, input: rows[i % rows.length]!.input }))
}

export const jsonl = (rows: readonly unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n'
