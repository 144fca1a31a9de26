import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { ProveError } from '../errors.js'

/**
 * A committed-weights job resumed into an existing proofs file must be the
 * same weight set as the proofs already there: otherwise the ids proven with
 * the other set would be skipped and the file would silently mix two models.
 * Reads the file line by line (flat memory); lines without a commitment
 * (constant builds) or that do not parse are left to the resume logic.
 *
 * @throws {ProveError} naming the first line proven with another weight set.
 */
export async function checkResumedWeights(proofsPath: string, commitment: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(proofsPath, 'utf8'), crlfDelay: Infinity })
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber++
    if (!line.trim()) continue
    let recorded: unknown
    try {
      recorded = (JSON.parse(line) as { weightsCommitment?: unknown }).weightsCommitment
    } catch {
      continue
    }
    if (typeof recorded === 'string' && recorded !== commitment) {
      lines.close()
      throw new ProveError(`${proofsPath}:${lineNumber} was proven with another weight set.`, {
        details: `Its weightsCommitment is ${recorded}, this job's is ${commitment}. Write the proofs of each weight set to their own file (another --out).`,
      })
    }
  }
}
