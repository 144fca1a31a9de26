import { getAddress } from 'ethers'
import { readRequest, type ReadRequestReturnType, type RequestFulfilment } from '../chain/readRequest.js'
import type { ChainContext } from '../chain/registerModel.js'
import type { RequestStatus } from '../chain/marketTypes.js'
import { ChainError, CheckFailedError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { decodeFulfilment, type DecodedAnswer } from './decodeFulfilment.js'
import { openMarketModel } from './marketContext.js'

export type WaitForFulfilmentParameters = {
  buildDir: string
  chain: ChainContext
  requestId: bigint
  marketAddress?: string | undefined
  /** Give up after this long, in ms (default 1 h). */
  timeoutMs?: number | undefined
  /** How often to look, in ms (default 250 on this machine's chain, else 4 s). */
  pollMs?: number | undefined
  /** Stops waiting (rejects with the signal's reason). */
  signal?: AbortSignal | undefined
  logger?: Logger | undefined
}

export type WaitForFulfilmentReturnType = {
  requestId: bigint
  /** `Fulfilled`, or how the request ended without an answer (`Cancelled`, `Expired`). */
  status: Extract<RequestStatus, 'Fulfilled' | 'Cancelled' | 'Expired'>
  /** Present when fulfilled. */
  fulfilment?: RequestFulfilment
  /** The answer decoded by the build's manifest (when fulfilled). */
  answer?: DecodedAnswer
  /** Who answered (when fulfilled). */
  prover?: string
  /** Seconds from the request's block to the fulfilment's block, by block timestamps. */
  latencySeconds?: number
  /** Wall time this call waited, in ms. */
  waitedMs: number
  request: ReadRequestReturnType
}

/**
 * Follows a request until it is answered (or cancelled, or expired) and returns the answer, checked:
 * the market's verifier is the build's own (its code compared with `Verifier.sol`), the statement
 * of the fulfilment is the one the public signals of this request, this answer and this prover
 * make, and the market records it as verified by that prover. So the answer printed is one a
 * Groth16 proof of this build's circuit vouches for.
 *
 * @throws {ChainError} When the request does not exist or is still unanswered after `timeoutMs`.
 * @throws {CheckFailedError} When the fulfilment does not match its statement (a market that is not a GlassboxMarket).
 *
 * @example
 * ```ts
 * const { requestId } = await requestInference({ buildDir: 'build/iris', chain, input, maxPrice: 10n ** 15n })
 * const { answer, prover, latencySeconds } = await waitForFulfilment({ buildDir: 'build/iris', chain, requestId })
 * ```
 */
export async function waitForFulfilment({
  buildDir,
  chain,
  requestId,
  marketAddress,
  timeoutMs = 3_600_000,
  pollMs,
  signal,
  logger = silentLogger,
}: WaitForFulfilmentParameters): Promise<WaitForFulfilmentReturnType> {
  const started = Date.now()
  const { manifest, layout, market, modelId } = await openMarketModel({ buildDir, chain, marketAddress, logger })
  const interval = pollMs ?? ((chain.provider as { pollingInterval?: number }).pollingInterval === 100 ? 250 : 4_000)
  let request: ReadRequestReturnType
  let reported = ''
  for (;;) {
    signal?.throwIfAborted()
    request = await readRequest({ market, requestId })
    if (request.status === 'Fulfilled' || request.status === 'Cancelled' || request.status === 'Expired') break
    if (request.status !== reported) {
      logger.info(`request ${requestId}: ${request.status}${request.status === 'Locked' ? ` by ${request.locker}` : ''}`)
      reported = request.status
    }
    if (Date.now() - started > timeoutMs) {
      throw new ChainError(`Request ${requestId} is still ${request.status} after ${Math.round(timeoutMs / 1000)} s.`, { details: `Look again later: glassbox status ${requestId} --build ${buildDir}.` })
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval)
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
    })
  }
  const result: WaitForFulfilmentReturnType = { requestId, status: request.status, waitedMs: Date.now() - started, request }
  const fulfilment = request.fulfilment
  if (request.status !== 'Fulfilled' || !fulfilment) return result
  if (request.terms.modelId !== modelId) throw new ChainError(`Request ${requestId} is for model ${request.terms.modelId}, not ${buildDir} (${modelId}).`)

  // The full public-signal vector of this answer, assembled as the market does, by the layout.
  const signals: bigint[] = new Array<bigint>(layout.nPublic)
  layout.freeIndices.forEach((index, k) => (signals[index] = fulfilment.outputs[k]!))
  signals[layout.proverIndex] = BigInt(fulfilment.prover)
  signals[layout.inputHashIndex] = request.terms.inputHash
  if (layout.weights === 'committed') signals[layout.weightsIndex] = request.terms.weightSet
  const statement = await market.statementOf(modelId, signals)
  const verifiedBy = await market.verifiedBy(statement)
  if (statement !== fulfilment.statement || getAddress(verifiedBy) !== getAddress(fulfilment.prover)) {
    throw new CheckFailedError(`The fulfilment of request ${requestId} does not match its statement.`, {
      details: `Event statement ${fulfilment.statement}, computed ${statement}, verified by ${verifiedBy}. Do not trust this answer or this market.`,
    })
  }
  const fulfilledBlock = await chain.provider.getTransactionReceipt(fulfilment.txHash)
  const block = fulfilledBlock ? await chain.provider.getBlock(fulfilledBlock.blockNumber) : null
  result.fulfilment = fulfilment
  result.answer = decodeFulfilment(manifest, fulfilment.outputs)
  result.prover = fulfilment.prover
  if (block) result.latencySeconds = block.timestamp - Number(request.terms.createdAt)
  return result
}
