import type { ProveBatchParameters, ProveBatchReturnType } from './proveBatchStream.js'
import { proveBatchStream } from './proveBatchStream.js'

export type { BatchEvent, BatchProgress, ProveBatchParameters, ProveBatchReturnType } from './proveBatchStream.js'

/**
 * Proves every input of a JSONL file, writing each proof (or error line) as
 * soon as it is made, and resolves with the summary. The same batch as
 * {@link proveBatchStream}, for callers that only want the end (and
 * `onProgress`). A killed job, run again with the same arguments, keeps what
 * it finished and loses nothing.
 *
 * @example
 * const summary = await proveBatch({ buildDir: 'build/iris', inputsPath: 'in.jsonl', outPath: 'proofs.jsonl' })
 * console.log(summary.proven, summary.skipped, summary.failed, summary.proofsPerMinute)
 *
 * @throws {ArtifactError} when keys or circuit do not match the manifest (checked before any work).
 * @throws {ResumeMismatchError} when the proofs file belongs to other keys or other inputs.
 */
export async function proveBatch(parameters: ProveBatchParameters): Promise<ProveBatchReturnType> {
  const events = proveBatchStream(parameters)
  for (;;) {
    const next = await events.next()
    if (next.done) return next.value
    if (next.value.type === 'progress') parameters.onProgress?.(next.value.progress)
  }
}
