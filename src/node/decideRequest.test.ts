import { describe, expect, it } from 'vitest'
import type { RequestTerms } from '../chain/marketTypes.js'
import { auctionPrice, decideRequest, type DecideRequestParameters } from './decideRequest.js'
import { lateTurn } from './lateTurn.js'

const ME = '0x00000000000000000000000000000000000000a1'
const OTHER = '0x00000000000000000000000000000000000000b2'

// Created at t = 1000; price 100 → 1100 over 100 s; lock by 1120, fulfil by 1300.
const terms: RequestTerms = {
  requester: '0x00000000000000000000000000000000000000c3',
  modelId: '0x01',
  weightSet: 0n,
  inputHash: 7n,
  minPrice: 100n,
  maxPrice: 1100n,
  collateral: 50n,
  createdAt: 1000n,
  rampSeconds: 100n,
  lockWindow: 120n,
  fulfilWindow: 300n,
}

function at(now: bigint, overrides: Partial<DecideRequestParameters> = {}): DecideRequestParameters {
  return {
    request: { status: 'Open', locker: '0x0000000000000000000000000000000000000000', lockedAt: 0n, terms },
    me: ME,
    now,
    chainTime: now,
    cost: 300n,
    secondsPerProof: 2,
    backlogSeconds: 0,
    freeStake: 1000n,
    lockedByMe: 0,
    maxLocked: 2,
    draining: false,
    serveLate: true,
    lateDelaySeconds: 0,
    ...overrides,
  }
}

describe('auctionPrice: GlassboxMarket.priceAt', () => {
  it('rises linearly from the floor to the ceiling over the ramp, rounding down as Solidity does', () => {
    expect(auctionPrice(terms, 900n)).toBe(100n)
    expect(auctionPrice(terms, 1000n)).toBe(100n)
    expect(auctionPrice(terms, 1001n)).toBe(110n)
    expect(auctionPrice(terms, 1033n)).toBe(430n)
    expect(auctionPrice({ ...terms, maxPrice: 103n }, 1050n)).toBe(101n) // 100 + 3·50/100 = 101.5 → 101
    expect(auctionPrice(terms, 1100n)).toBe(1100n)
    expect(auctionPrice({ ...terms, rampSeconds: 0n }, 1000n)).toBe(1100n)
  })
})

describe('decideRequest', () => {
  it('waits for the price to cover its cost, until the first second it does, then locks at that price', () => {
    // cost 300: 100 + 1000·e/100 ≥ 300 from e = 20 s.
    expect(decideRequest(at(1005n))).toMatchObject({ action: 'wait', until: 1020n })
    expect(decideRequest(at(1020n))).toEqual({ action: 'lock', price: 300n })
  })

  it('does not lock beyond its lock limit or its free stake, nor what it cannot prove in time', () => {
    expect(decideRequest(at(1050n, { lockedByMe: 2 }))).toMatchObject({ action: 'wait', reason: expect.stringMatching(/at most 2/) })
    expect(decideRequest(at(1050n, { freeStake: 49n }))).toMatchObject({ action: 'wait', reason: expect.stringMatching(/free stake 49/) })
    // A proof is planned at 3× its time + 5 s: 2 s → 11 s; at 1110 that ends past the 1120 lock deadline.
    expect(decideRequest(at(1110n))).toMatchObject({ action: 'drop', state: 'skipped' })
    expect(decideRequest(at(1050n, { backlogSeconds: 65 }))).toMatchObject({ action: 'wait', reason: expect.stringMatching(/busy/) })
    expect(decideRequest(at(1130n))).toMatchObject({ action: 'drop', state: 'gone' })
    expect(decideRequest(at(1050n, { draining: true }))).toMatchObject({ action: 'wait', reason: expect.stringMatching(/stopping/) })
  })

  it('waits (does not drop) a request whose ceiling is below its cost: gas and proving times move', () => {
    expect(decideRequest(at(1010n, { cost: 2000n }))).toMatchObject({ action: 'wait', until: 1040n })
  })

  it('proves what it locked, until the fulfil deadline, and then lets it go as slashed', () => {
    const mine = { status: 'Locked' as const, locker: ME.toUpperCase().replace('0X', '0x'), lockedAt: 1020n, terms }
    expect(decideRequest(at(1100n, { request: mine }))).toEqual({ action: 'prove', late: false })
    expect(decideRequest(at(1200n, { request: mine }))).toEqual({ action: 'prove', late: true })
    expect(decideRequest(at(1301n, { request: mine }))).toMatchObject({ action: 'drop', state: 'failed' })
  })

  it('answers a missed lock only after the deadline and its turn, when the price plus half the collateral pays', () => {
    const missed = { status: 'Locked' as const, locker: OTHER, lockedAt: 1020n, terms }
    expect(decideRequest(at(1100n, { request: missed }))).toMatchObject({ action: 'wait', until: 1121n })
    expect(decideRequest(at(1130n, { request: missed, lateDelaySeconds: 20 }))).toMatchObject({ action: 'wait', until: 1141n })
    // Paid: the price at lock time (300) and the collateral less the requester's half (25).
    expect(decideRequest(at(1130n, { request: missed }))).toEqual({ action: 'serve-late', payout: 325n })
    expect(decideRequest(at(1130n, { request: missed, cost: 326n }))).toMatchObject({ action: 'drop', state: 'skipped' })
    expect(decideRequest(at(1295n, { request: missed }))).toMatchObject({ action: 'drop', state: 'skipped' })
    expect(decideRequest(at(1130n, { request: missed, serveLate: false }))).toMatchObject({ action: 'drop', state: 'gone' })
  })

  it('drops what is over', () => {
    for (const status of ['None', 'Fulfilled', 'Cancelled', 'Expired'] as const) {
      expect(decideRequest(at(1050n, { request: { status, locker: OTHER, lockedAt: 0n, terms } }))).toMatchObject({ action: 'drop', state: 'gone' })
    }
  })
})

describe('lateTurn', () => {
  const provers = ['0x00000000000000000000000000000000000000a1', '0x00000000000000000000000000000000000000b2', '0x00000000000000000000000000000000000000c3', '0x00000000000000000000000000000000000000d4']

  it('gives every prover but the locker a distinct turn, the same whoever computes it', () => {
    for (const requestId of [1n, 2n, 77n]) {
      const locker = provers[3]!
      const turns = provers.slice(0, 3).map((me) => lateTurn({ requestId, me, locker, provers: [...provers].reverse() }))
      expect([...turns].sort()).toEqual([0, 1, 2])
      // Knowing the provers in another order, or in another case, changes nothing.
      expect(provers.slice(0, 3).map((me) => lateTurn({ requestId, me: me.toUpperCase().replace('0X', '0x'), locker, provers }))).toEqual(turns)
    }
  })

  it('orders provers differently per request, so the late work spreads', () => {
    const firsts = new Set<string>()
    for (let id = 1n; id <= 24n; id++) firsts.add(provers.find((me) => lateTurn({ requestId: id, me, locker: OTHER, provers }) === 0)!)
    expect(firsts.size).toBeGreaterThan(1)
  })
})

describe('createCostModel', () => {
  it('prices the measured proving time above the floor, plus the measured lifecycle gas', async () => {
    const { createCostModel } = await import('./createCostModel.js')
    const costs = createCostModel({ pricePerSecond: 1000n, priceFloor: 500n, smoothing: 0.5 })
    expect(costs.cost('m', 2n)).toBe(500n + 400_000n * 2n) // nothing measured: the floor and the default gas
    costs.observeProof('m', 2000)
    expect(costs.secondsPerProof('m')).toBe(2)
    expect(costs.cost('m', 0n)).toBe(2000n)
    costs.observeProof('m', 4000) // moving average: 2 + 0.5·(4 − 2) = 3 s
    costs.observeGas('m', 300_000n)
    expect(costs.cost('m', 1n)).toBe(3000n + 300_000n)
    expect(costs.secondsPerProof('other')).toBeUndefined()
  })
})
