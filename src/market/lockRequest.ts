import { ChainError } from '../errors.js'
import { readRequest } from '../chain/readRequest.js'
import type { ChainContext } from '../chain/registerModel.js'
import { silentLogger, type Logger } from '../logger.js'
import { openMarketModel } from './marketContext.js'
import { verifyRequestInput } from './verifyRequestInput.js'
import { quantizeInput } from '../quantize/quantizeInput.js'

export type LockRequestParameters = {
  buildDir: string
  chain: ChainContext
  requestId: bigint
  /** Deposit this much stake first (wei), e.g. when the free stake is below the collateral. */
  deposit?: bigint | undefined
  /** A private request's input (floats, as in inputs.jsonl), handed over off-chain by its requester. */
  input?: readonly number[] | undefined
  /** That input's private salt. */
  salt?: bigint | undefined
  marketAddress?: string | undefined
  logger?: Logger | undefined
}

export type LockRequestReturnType = {
  requestId: bigint
  price: bigint
  collateral: bigint
  /** Until then only this prover may fulfil; after it the collateral is slashed. */
  lockDeadline: bigint
  txHash: string
  gasUsed: bigint
  /** The model is marked as a dev (insecure) setup on-chain. */
  dev: boolean
}

/**
 * Locks an open request for the sender, as an honest prover does: only after checking that the
 * request is for this build's model, that the registered verifier is the build's, and that the
 * input hashes to the claimed hash (see {@link verifyRequestInput}).
 *
 * @throws {InputError} When the input does not match its hash (nothing is sent).
 * @throws {ChainError} When the request is for another model or not open, or the stake is short.
 * @throws {MarketRefusalError} When the market refuses (the message names its error).
 */
export async function lockRequest({ buildDir, chain, requestId, deposit, input, salt, marketAddress, logger = silentLogger }: LockRequestParameters): Promise<LockRequestReturnType> {
  const { model, market, modelId, dev } = await openMarketModel({ buildDir, chain, marketAddress, logger })
  const request = await readRequest({ market, requestId })
  if (request.terms.modelId !== modelId) {
    throw new ChainError(`Request ${requestId} is for model ${request.terms.modelId}, not ${buildDir} (${modelId}).`, { details: 'Lock it with the build of that model.' })
  }
  if (request.status !== 'Open') throw new ChainError(`Request ${requestId} is ${request.status}, not Open: it cannot be locked.`)
  await verifyRequestInput(request, model, { values: input === undefined ? undefined : quantizeInput(model, input), salt })

  const me = await chain.signer.getAddress()
  if (deposit !== undefined && deposit > 0n) {
    const tx = await market.deposit(deposit)
    logger.info(`deposited ${deposit} wei of stake (gas ${tx.gasUsed})`)
  }
  const stake = await market.stakeOf(me)
  if (stake.free < request.terms.collateral) {
    throw new ChainError(`Request ${requestId} needs ${request.terms.collateral} wei of collateral; ${me} has ${stake.free} wei of free stake.`, {
      details: `Deposit the difference with --stake ${request.terms.collateral - stake.free}, or fulfil a locked request first.`,
    })
  }
  const tx = await market.lock(requestId, request.terms)
  logger.info(`request ${requestId} locked at ${tx.price} wei; fulfil before ${new Date(Number(request.lockDeadline) * 1000).toISOString()} (gas ${tx.gasUsed})`)
  return { requestId, price: tx.price, collateral: request.terms.collateral, lockDeadline: request.lockDeadline, txHash: tx.txHash, gasUsed: tx.gasUsed, dev }
}
