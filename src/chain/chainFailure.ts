import { ChainError } from '../errors.js'
import { scrubChainText } from './scrubChainText.js'

export type ChainFailureParameters = {
  /** What failed, e.g. "lock on the market at 0x…". */
  shortMessage: string
  /** What to do (shown before the scrubbed cause). */
  hint?: string | undefined
  /** Raw RPC URLs to redact from the cause's text. */
  rpcUrls?: readonly string[]
}

/**
 * Wraps an error thrown by ethers or a node into a {@link ChainError} whose message, details and
 * cause carry nothing secret: the original error object (whose message and `info` may hold the
 * signed raw transaction, and whose request may hold the RPC URL) is replaced by a plain `Error`
 * with the scrubbed message and stack, so `--verbose` can print the trace safely.
 */
export function chainFailure(error: unknown, { shortMessage, hint, rpcUrls = [] }: ChainFailureParameters): ChainError {
  const scrub = (text: string) => scrubChainText(text, { rpcUrls })
  const raw = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)
  const cause = new Error(scrub(error instanceof Error ? error.message : String(error)))
  cause.name = error instanceof Error ? error.name : 'Error'
  cause.stack = scrub(error instanceof Error ? (error.stack ?? error.message) : String(error))
  const details = [hint, scrub(raw)].filter((x): x is string => Boolean(x)).join('\n')
  return new ChainError(scrub(shortMessage), { details, cause })
}
