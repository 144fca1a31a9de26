import { ChainError } from '../errors.js'
import { hashRequestTerms, termsFromEvent, type MarketContract } from './connectMarket.js'
import type { RequestState, RequestTerms } from './marketTypes.js'

export type ReadRequestParameters = {
  market: MarketContract
  requestId: bigint
}

export type ReadRequestReturnType = RequestState & {
  requestId: bigint
  terms: RequestTerms
  /** The input carried by the request (hex bytes; `0x` for a private request). */
  input: string
  /** The price a lock would get now (meaningful while Open). */
  priceNow: bigint
  lockDeadline: bigint
  fulfilDeadline: bigint
}

/**
 * Reads a request: its state from storage, and its terms and input from the `Requested` event in
 * the block the state names (one `eth_getLogs` over one block, so it works on nodes that limit
 * log ranges). The terms are checked against the stored hash.
 *
 * @throws {ChainError} When there is no such request, or its event is missing or does not match.
 */
export async function readRequest({ market, requestId }: ReadRequestParameters): Promise<ReadRequestReturnType> {
  const state = await market.requests(requestId)
  if (state.status === 'None') throw new ChainError(`There is no request ${requestId} on the market at ${market.address}.`)
  const block = Number(state.createdBlock)
  const logs = await market.contract.queryFilter(market.contract.filters.Requested!(requestId), block, block)
  const log = logs[0]
  if (!log || !('args' in log)) throw new ChainError(`The Requested event of request ${requestId} is not in block ${block}.`, { details: 'The node may have pruned its logs; use an archive node.' })
  const terms = termsFromEvent(log.args.terms)
  if (hashRequestTerms(terms) !== state.termsHash) throw new ChainError(`The Requested event of request ${requestId} does not match its stored terms.`)
  const provider = market.contract.runner?.provider
  const now = BigInt((await provider?.getBlock('latest'))?.timestamp ?? 0)
  return {
    requestId,
    ...state,
    terms,
    input: log.args.input as string,
    priceNow: await market.priceAt(terms, now),
    lockDeadline: terms.createdAt + terms.lockWindow,
    fulfilDeadline: terms.createdAt + terms.fulfilWindow,
  }
}
