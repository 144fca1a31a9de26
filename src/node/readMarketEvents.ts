import type { MarketContract } from '../chain/connectMarket.js'

/** The market events a node follows, decoded; `requestId` is set on every one. */
export type MarketEventLog = {
  name: 'Requested' | 'Locked' | 'Fulfilled' | 'Expired' | 'Cancelled' | 'Slashed' | 'StakeDeposited'
  /** Every event but `StakeDeposited`. */
  requestId?: bigint
  blockNumber: number
  /** Requested: the model; Locked / Fulfilled / StakeDeposited: the prover; Slashed: the locker. */
  modelId?: string
  account?: string
  /** Slashed: the collateral. */
  amount?: bigint
}

export type ReadMarketEventsParameters = {
  market: MarketContract
  fromBlock: number
  toBlock: number
  /** Blocks per `eth_getLogs` call (default 2,000: what public nodes allow). */
  chunk?: number | undefined
}

export type ReadMarketEventsReturnType = MarketEventLog[]

const FOLLOWED = new Set(['Requested', 'Locked', 'Fulfilled', 'Expired', 'Cancelled', 'Slashed', 'StakeDeposited'])

/**
 * Reads the request lifecycle events of a market (and stake deposits: who the provers are) over a block range, oldest first, in chunks
 * (nodes limit `eth_getLogs` ranges). Only facts that point at a request: the node reads the
 * request's state from storage before acting, so an event re-read after a reorg, or read twice,
 * changes nothing.
 */
export async function readMarketEvents({ market, fromBlock, toBlock, chunk = 2_000 }: ReadMarketEventsParameters): Promise<ReadMarketEventsReturnType> {
  const provider = market.contract.runner?.provider
  if (!provider || toBlock < fromBlock) return []
  const events: MarketEventLog[] = []
  for (let start = fromBlock; start <= toBlock; start += chunk) {
    const end = Math.min(toBlock, start + chunk - 1)
    const logs = await provider.getLogs({ address: market.address, fromBlock: start, toBlock: end })
    for (const log of logs) {
      const parsed = market.contract.interface.parseLog(log)
      if (!parsed || !FOLLOWED.has(parsed.name)) continue
      const event: MarketEventLog = { name: parsed.name as MarketEventLog['name'], blockNumber: log.blockNumber }
      if (parsed.name === 'StakeDeposited') {
        event.account = parsed.args.prover as string
        events.push(event)
        continue
      }
      event.requestId = BigInt(parsed.args.requestId as bigint)
      if (parsed.name === 'Requested') event.modelId = parsed.args.modelId as string
      if (parsed.name === 'Locked' || parsed.name === 'Fulfilled') event.account = parsed.args.prover as string
      if (parsed.name === 'Slashed') {
        event.account = parsed.args.locker as string
        event.amount = BigInt(parsed.args.collateral as bigint)
      }
      events.push(event)
    }
  }
  return events
}
