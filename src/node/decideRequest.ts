import type { RequestStatus, RequestTerms } from '../chain/marketTypes.js'

/** What the node knows about one request and itself at one moment (all chain values, seconds of chain time). */
export type DecideRequestParameters = {
  request: { status: RequestStatus; locker: string; lockedAt: bigint; terms: RequestTerms }
  me: string
  /**
   * When the node's next transaction will be mined, as best known: the later of the latest
   * block's timestamp and the clock (a chain that mines only on demand keeps an old timestamp).
   */
  now: bigint
  /** The latest block's timestamp: what `fulfil` is judged by until a new block comes. */
  chainTime: bigint
  /** This node's cost of answering it, in wei (see `createCostModel`). */
  cost: bigint
  /** Seconds one proof of its model takes here. */
  secondsPerProof: number
  /** Seconds of proving already queued ahead of it on this node. */
  backlogSeconds: number
  freeStake: bigint
  /** Requests this node holds locked now, and the most it may. */
  lockedByMe: number
  maxLocked: number
  /** Stopping: take no new work, finish what is locked. */
  draining: boolean
  /** Answer requests other provers locked and missed (for the price and half their collateral). */
  serveLate: boolean
  /**
   * Seconds after a missed lock deadline this node waits before answering it: its turn among the
   * market's provers (see `lateTurn`), so provers do not prove the same request at once.
   */
  lateDelaySeconds: number
}

export type Decision =
  | { action: 'lock'; price: bigint }
  | { action: 'prove'; late: boolean }
  | { action: 'serve-late'; payout: bigint }
  | { action: 'wait'; reason: string; until?: bigint }
  | { action: 'drop'; state: 'gone' | 'skipped' | 'failed'; reason: string }

export type DecideRequestReturnType = Decision

/** Seconds kept in hand for the transactions around a proof. */
const TX_MARGIN_SECONDS = 5
/** How soon a request that does not pay now is looked at again. */
const RECONSIDER_SECONDS = 30n
/** A proof is planned at three times its measured time: a busy machine is slower. */
const PROOF_SAFETY = 3

/** The market's price of a request at `time` (GlassboxMarket.priceAt): the floor at creation, rising linearly to the ceiling over the ramp. */
export function auctionPrice(terms: RequestTerms, time: bigint): bigint {
  if (terms.rampSeconds === 0n) return terms.maxPrice
  if (time <= terms.createdAt) return terms.minPrice
  const elapsed = time - terms.createdAt
  if (elapsed >= terms.rampSeconds) return terms.maxPrice
  return terms.minPrice + ((terms.maxPrice - terms.minPrice) * elapsed) / terms.rampSeconds
}

/**
 * What a prover node does with a request now: lock it (the auction pays its cost, its stake and
 * lock limit allow, and it can prove before the lock deadline), prove one it holds, answer one
 * another prover missed, wait (until the price rises, stake frees up, or a deadline), or drop it.
 * Pure: the caller reads the chain, this only decides.
 */
export function decideRequest(p: DecideRequestParameters): DecideRequestReturnType {
  const { request, now } = p
  const terms = request.terms
  const lockDeadline = terms.createdAt + terms.lockWindow
  const fulfilDeadline = terms.createdAt + terms.fulfilWindow
  const planned = BigInt(Math.ceil(p.secondsPerProof * PROOF_SAFETY) + TX_MARGIN_SECONDS)
  switch (request.status) {
    case 'None':
    case 'Fulfilled':
    case 'Cancelled':
    case 'Expired':
      return { action: 'drop', state: 'gone', reason: request.status }
    case 'Locked': {
      if (request.locker.toLowerCase() === p.me.toLowerCase()) {
        if (now > fulfilDeadline) return { action: 'drop', state: 'failed', reason: 'locked by this node but past its fulfil deadline (slashed)' }
        return { action: 'prove', late: now > lockDeadline }
      }
      if (!p.serveLate) return { action: 'drop', state: 'gone', reason: `locked by ${request.locker}` }
      // Only once the chain itself is past the deadline: until then the market refuses us (NotLocker).
      if (now > fulfilDeadline) return { action: 'drop', state: 'gone', reason: `locked by ${request.locker}, past its fulfil deadline` }
      const start = lockDeadline + BigInt(Math.ceil(p.lateDelaySeconds))
      if (p.chainTime <= start) return { action: 'wait', reason: `locked by ${request.locker} until ${lockDeadline}`, until: start + 1n }
      if (p.draining) return { action: 'wait', reason: 'stopping: no new work' }
      const payout = auctionPrice(terms, request.lockedAt) + terms.collateral - terms.collateral / 2n
      if (payout < p.cost) return { action: 'drop', state: 'skipped', reason: `a late answer pays ${payout} wei, below this node's cost ${p.cost}` }
      if (now + planned > fulfilDeadline) return { action: 'drop', state: 'skipped', reason: 'too little time left to prove before the fulfil deadline' }
      return { action: 'serve-late', payout }
    }
    case 'Open': {
      if (now > lockDeadline) return { action: 'drop', state: 'gone', reason: 'open past its lock deadline: nobody can lock it' }
      if (p.draining) return { action: 'wait', reason: 'stopping: no new work' }
      if (now + planned > lockDeadline) return { action: 'drop', state: 'skipped', reason: `cannot prove before the lock deadline (a proof is planned at ${planned} s)` }
      // Gas prices and proving times move: look again later rather than give up.
      if (terms.maxPrice < p.cost) return { action: 'wait', reason: `pays at most ${terms.maxPrice} wei, below this node's cost ${p.cost}`, until: now + RECONSIDER_SECONDS }
      const price = auctionPrice(terms, now)
      if (price < p.cost) {
        // The first second at which the rising price covers the cost.
        const span = terms.maxPrice - terms.minPrice
        const at = terms.createdAt + ((p.cost - terms.minPrice) * terms.rampSeconds + span - 1n) / span
        if (at + planned > lockDeadline) return { action: 'wait', reason: `the price reaches this node's cost ${p.cost} too close to the lock deadline`, until: now + RECONSIDER_SECONDS }
        return { action: 'wait', reason: `price ${price} wei below cost ${p.cost}`, until: at }
      }
      if (now + planned + BigInt(Math.ceil(p.backlogSeconds)) > lockDeadline) return { action: 'wait', reason: 'busy: would not finish before the lock deadline' }
      if (p.lockedByMe >= p.maxLocked) return { action: 'wait', reason: `holding ${p.lockedByMe} locked requests (at most ${p.maxLocked})` }
      if (p.freeStake < terms.collateral) return { action: 'wait', reason: `free stake ${p.freeStake} wei below the collateral ${terms.collateral}` }
      return { action: 'lock', price }
    }
    default:
      request.status satisfies never
      return { action: 'drop', state: 'gone', reason: 'unknown status' }
  }
}
