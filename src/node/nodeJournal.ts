/**
 * The prover node's journal: one JSONL file of facts, appended and flushed before the node acts
 * on them, replayed at start. The chain is the truth about a request; the journal is the node's
 * memory of what it did and meant to do (so a request it locked is proven after a restart, and a
 * lock it sent is never sent again).
 */

/** Where a request is, for this node. `locking` and `proving` are intentions written before the act. */
export type NodeRequestState =
  | 'seen' // a Requested event for one of our models
  | 'locking' // a lock transaction is about to be sent
  | 'locked' // locked by this node
  | 'proving' // proving (and then fulfilling) for this node
  | 'fulfilled' // answered by this node (terminal)
  | 'failed' // cannot be answered by this node (terminal; `reason`)
  | 'skipped' // not worth or not possible to take (terminal; `reason`)
  | 'gone' // answered, cancelled or expired by others (terminal)

export const TERMINAL_STATES: readonly NodeRequestState[] = ['fulfilled', 'failed', 'skipped', 'gone']

export type JournalRecord =
  | { t: 'start'; at: string; address: string; market: string; chainId: string; models: { name: string; modelId: string }[] }
  | { t: 'block'; n: number }
  | { t: 'request'; id: string; state: NodeRequestState; at: string; model?: string; price?: string; payout?: string; late?: boolean; txHash?: string; gas?: string; reason?: string }
  | { t: 'proof'; id: string; ms: number; at: string }
  | { t: 'slashed'; id: string; collateral: string; at: string }
  | { t: 'withdraw'; amount: string; to: string; at: string }
  | { t: 'prover'; address: string }
  | { t: 'stop'; at: string; reason: string }

export type JournalRequest = {
  id: bigint
  state: NodeRequestState
  model?: string
  price?: bigint
  payout?: bigint
  late?: boolean
  reason?: string
  /** Proofs this node made for it (more than one means work done twice). */
  proofs: number
  slashed: boolean
  updatedAt: string
}

export type NodeJournalState = {
  identity?: { address: string; market: string; chainId: string }
  models: { name: string; modelId: string }[]
  /** Last block whose events were processed (-1: none yet). */
  lastBlock: number
  requests: Map<string, JournalRequest>
  /** Timestamps (ms) of every proof, for proofs per minute. */
  proofTimes: number[]
  proofMs: number[]
  earnedWei: bigint
  withdrawnWei: bigint
  /** Accounts that ever staked on the market (from `StakeDeposited`): who may answer a missed lock. */
  provers: Set<string>
  starts: number
  lastStop?: { at: string; reason: string }
}

export function emptyJournalState(): NodeJournalState {
  return { models: [], lastBlock: -1, requests: new Map(), proofTimes: [], proofMs: [], earnedWei: 0n, withdrawnWei: 0n, provers: new Set(), starts: 0 }
}

/** Applies one journal record to the state (pure but for mutating `state`, which replay owns). */
export function applyJournalRecord(state: NodeJournalState, record: JournalRecord): NodeJournalState {
  switch (record.t) {
    case 'start':
      state.identity = { address: record.address, market: record.market, chainId: record.chainId }
      state.models = record.models
      state.starts++
      break
    case 'block':
      state.lastBlock = Math.max(state.lastBlock, record.n)
      break
    case 'request': {
      const previous = state.requests.get(record.id)
      const next: JournalRequest = { ...(previous ?? { id: BigInt(record.id), proofs: 0, slashed: false }), state: record.state, updatedAt: record.at }
      if (record.model !== undefined) next.model = record.model
      if (record.price !== undefined) next.price = BigInt(record.price)
      if (record.payout !== undefined) next.payout = BigInt(record.payout)
      if (record.late !== undefined) next.late = record.late
      if (record.reason !== undefined) next.reason = record.reason
      if (record.state === 'fulfilled' && record.payout !== undefined && previous?.state !== 'fulfilled') state.earnedWei += BigInt(record.payout)
      state.requests.set(record.id, next)
      break
    }
    case 'proof': {
      const r = state.requests.get(record.id)
      if (r) r.proofs++
      state.proofTimes.push(Date.parse(record.at))
      state.proofMs.push(record.ms)
      break
    }
    case 'slashed': {
      const r = state.requests.get(record.id)
      if (r) r.slashed = true
      break
    }
    case 'withdraw':
      state.withdrawnWei += BigInt(record.amount)
      break
    case 'prover':
      state.provers.add(record.address)
      break
    case 'stop':
      state.lastStop = { at: record.at, reason: record.reason }
      break
    default:
      record satisfies never
  }
  return state
}

/** What a `request` record may say besides its state. */
export type RequestFacts = { model?: string | undefined; price?: bigint; payout?: bigint; late?: boolean; txHash?: string; gas?: bigint; reason?: string }

/** A `request` journal record, stamped now (bigints as decimal strings). */
export function requestRecord(id: string, state: NodeRequestState, facts: RequestFacts = {}): JournalRecord {
  return {
    t: 'request',
    id,
    state,
    at: new Date().toISOString(),
    ...(facts.model !== undefined ? { model: facts.model } : {}),
    ...(facts.price !== undefined ? { price: facts.price.toString() } : {}),
    ...(facts.payout !== undefined ? { payout: facts.payout.toString() } : {}),
    ...(facts.late !== undefined ? { late: facts.late } : {}),
    ...(facts.txHash !== undefined ? { txHash: facts.txHash } : {}),
    ...(facts.gas !== undefined ? { gas: facts.gas.toString() } : {}),
    ...(facts.reason !== undefined ? { reason: facts.reason } : {}),
  }
}

/** True once nothing more will happen to the request for this node. */
export function isTerminal(state: NodeRequestState): boolean {
  return TERMINAL_STATES.includes(state)
}
