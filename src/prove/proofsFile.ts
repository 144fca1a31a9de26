import { readJsonlLines } from '../io/readJsonlLines.js'
import { repairJsonlTail } from '../io/repairJsonlTail.js'
import type { Logger } from '../logger.js'
import type { IdIndex } from './createIdIndex.js'
import { ResumeMismatchError } from './resumeMismatchError.js'

export type RecoverProofsFileParameters = {
  /** Where each record's id, line and input-hash prefix go. */
  index: IdIndex
  /** The SHA-256 of this build's verification key; every record must carry it. */
  vkeySha256: string
  logger: Logger
}

/**
 * Reads the proofs file of an interrupted batch, one line at a time (the
 * proofs themselves are not kept): a torn last line is cut off, and every
 * record's id goes into the index with its line and input hash.
 *
 * @returns How many records the file holds.
 * @throws {ResumeMismatchError} for a record of other keys, one without
 *   `vkeySha256`/`inputSha256` (older glassbox), an id twice, or a line that is not a record.
 */
export async function recoverProofsFile(path: string, { index, vkeySha256, logger }: RecoverProofsFileParameters): Promise<number> {
  const { droppedBytes } = await repairJsonlTail(path)
  if (droppedBytes) logger.warn(`${path}: dropped an incomplete last line (${droppedBytes} bytes) left by an interrupted run`)
  const fresh = `write to a new --out file, or delete ${path} to prove everything again`
  let records = 0
  try {
    for await (const { lineNumber, text } of readJsonlLines(path)) {
      const where = `${path}:${lineNumber}`
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new ResumeMismatchError(`${where} is not valid JSON, so ${path} cannot be resumed.`, { details: `It is not a glassbox proofs file, or was edited. To go on: ${fresh}.` })
      }
      const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
      if (typeof r['id'] !== 'string') {
        throw new ResumeMismatchError(`${where} is not a proof record (no "id").`, { details: `To go on: ${fresh}.` })
      }
      const id = r['id']
      if (typeof r['vkeySha256'] !== 'string' || typeof r['inputSha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(r['inputSha256'])) {
        throw new ResumeMismatchError(`${where}: the record of "${id}" has no vkeySha256/inputSha256, so it cannot be checked against this build and input.`, {
          details: `It was written by an older glassbox. Its proofs may still verify (\`glassbox verify\`), but a batch does not resume onto it: ${fresh}.`,
        })
      }
      if (r['vkeySha256'] !== vkeySha256) {
        throw new ResumeMismatchError(`${where}: the proof of "${id}" was made with other keys (verification key SHA-256 ${r['vkeySha256']}, this build's is ${vkeySha256}).`, {
          details: `${path} belongs to another model, or to this model before a second \`glassbox setup\`; its proofs do not verify with these keys. To go on: ${fresh}.`,
        })
      }
      const slot = index.add(id)
      const previous = index.get(slot).proofLine
      if (previous) {
        throw new ResumeMismatchError(`${where}: "${id}" is proven twice in ${path} (first on line ${previous}).`, {
          details: `A batch never writes an id twice, so the file was edited or merged. To go on: ${fresh}, or remove one of the two lines.`,
        })
      }
      index.setProof(slot, lineNumber, r['inputSha256'])
      records++
    }
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ENOENT') return 0
    throw error
  }
  return records
}
