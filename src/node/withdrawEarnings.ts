import type { MarketContract } from '../chain/connectMarket.js'
import { silentLogger, type Logger } from '../logger.js'
import type { NodeJournal } from './openNodeJournal.js'

export type WithdrawEarningsParameters = {
  market: MarketContract
  /** The node's account. */
  me: string
  /** Stake the node keeps deposited (free + locked); only what is above it is taken out. */
  keep: bigint
  to: string
  journal: NodeJournal
  logger?: Logger | undefined
}

export type WithdrawEarningsReturnType = { stake: bigint; balance: bigint }

/**
 * Takes a node's earnings out of the market: the free stake above what it keeps deposited
 * (`withdrawStake`: provers are paid into their free stake), and whatever the market owes it
 * otherwise (`withdraw`: refunds, slash shares). Each withdrawal is journaled once mined.
 */
export async function withdrawEarnings({ market, me, keep, to, journal, logger = silentLogger }: WithdrawEarningsParameters): Promise<WithdrawEarningsReturnType> {
  const stake = await market.stakeOf(me)
  const above = stake.free + stake.locked - keep
  const amount = above < stake.free ? above : stake.free
  if (amount > 0n) {
    await market.withdrawStake(amount, to)
    await journal.append({ t: 'withdraw', amount: amount.toString(), to, at: new Date().toISOString() })
    logger.info(`withdrew ${amount} wei of earnings to ${to}`)
  }
  const owed = await market.balanceOf(me)
  if (owed > 0n) {
    await market.withdraw(to)
    await journal.append({ t: 'withdraw', amount: owed.toString(), to, at: new Date().toISOString() })
    logger.info(`withdrew ${owed} wei of refunds and slash shares to ${to}`)
  }
  return { stake: amount > 0n ? amount : 0n, balance: owed }
}
