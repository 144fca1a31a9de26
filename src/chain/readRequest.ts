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
  /** For a fulfilled request: who answered, and the answer (the signals the fulfilment passed). */
  fulfilment?: RequestFulfilment
}

export type RequestFulfilment = {
  prover: string
  statement: string
  payout: bigint
  late: boolean
  /** The public signals the fulfilment passed (outputs and class, in signal order), field elements. */
  outputs: bigint[]
  txHash: string
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
  const result: ReadRequestReturnType = {
    requestId,
    ...state,
    terms,
    input: log.args.input as string,
    priceNow: await market.priceAt(terms, now),
    lockDeadline: terms.createdAt + terms.lockWindow,
    fulfilDeadline: terms.createdAt + terms.fulfilWindow,
  }
  if (state.status === 'Fulfilled') result.fulfilment = await readFulfilment(market, requestId, block)
  return result
}

/** The `Fulfilled` event of a request and the outputs in its transaction's calldata. */
async function readFulfilment(market: MarketContract, requestId: bigint, fromBlock: number): Promise<RequestFulfilment> {
  let logs
  try {
    logs = await market.contract.queryFilter(market.contract.filters.Fulfilled!(requestId), fromBlock)
  } catch (cause) {
    throw new ChainError(`Cannot read the Fulfilled event of request ${requestId} from block ${fromBlock} on.`, { details: 'The node may limit eth_getLogs ranges; use a node without that limit.', cause })
  }
  const log = logs[0]
  if (!log || !('args' in log)) throw new ChainError(`Request ${requestId} is fulfilled but its Fulfilled event was not found.`)
  const tx = await market.contract.runner?.provider?.getTransaction(log.transactionHash)
  const call = tx ? market.contract.interface.parseTransaction({ data: tx.data, value: tx.value }) : null
  if (!call || call.name !== 'fulfil') throw new ChainError(`The fulfilment of request ${requestId} (${log.transactionHash}) was not a direct fulfil call.`, { details: 'A contract fulfilled it; read its outputs from that transaction\'s trace.' })
  return {
    prover: log.args.prover as string,
    statement: log.args.statement as string,
    payout: log.args.payout as bigint,
    late: log.args.late as boolean,
    outputs: (call.args[3] as bigint[]).map((v) => BigInt(v)),
    txHash: log.transactionHash,
  }
}
