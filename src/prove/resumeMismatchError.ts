import { ProveError } from '../errors.js'

/**
 * A batch was resumed onto a proofs file that does not belong to it: a
 * record made with other keys (another model, or a second `setup`), from an
 * older glassbox without the hashes, for an input that has since changed
 * under the same id, or a file that is not a proofs file. Exit code 2: the
 * message names the file, line, id and hashes, and says what to do.
 */
export class ResumeMismatchError extends ProveError {
  override readonly name = 'ResumeMismatchError' as const
  override readonly code = 'GLASSBOX_RESUME_MISMATCH' as const
}
