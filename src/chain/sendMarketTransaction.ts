import { Contract, isError, type Log, type Signer } from 'ethers'
import { ChainError, MarketRefusalError } from '../errors.js'

export { MarketRefusalError }
import { silentLogger, type Logger } from '../logger.js'
import { chainFailure } from './chainFailure.js'
import { marketAbi } from './marketArtifact.js'
import { waitForReceipt } from './waitForReceipt.js'

export type SendMarketTransactionParameters = {
  signer: Signer
  marketAddress: string
  /** Contract function to call, e.g. `lock`. */
  method: string
  args: readonly unknown[]
  /** Explicit, never estimated: an estimate over a verifier call can settle on a limit where verification fails. */
  gasLimit: bigint
  value?: bigint | undefined
  /** Run the call through `eth_call` first to report the contract's custom error by name (default true). */
  simulate?: boolean | undefined
  /** How long to wait for the transaction to be mined, in ms (default 120 s). */
  timeoutMs?: number | undefined
  /** Raw RPC URLs to scrub from error messages. */
  secretRpcUrls?: readonly string[] | undefined
  logger?: Logger | undefined
}

/** A decoded contract event. */
export type MarketEvent = { name: string; args: Record<string, unknown> }

export type SendMarketTransactionReturnType = {
  txHash: string
  /** From the receipt. */
  gasUsed: bigint
  blockNumber: number
  /** Events the contract emitted in this transaction, decoded. */
  events: MarketEvent[]
}

/**
 * Sends one transaction to a GlassboxMarket (or GlassboxRegistry) with an explicit gas limit and
 * waits, at most `timeoutMs`, for its receipt. A mined revert carries no reason, so by default the
 * call is simulated first and a refusal names the contract's custom error (`RequestNotOpen(3, 2)`).
 * Errors never carry the signed transaction or the RPC URL.
 *
 * @throws {ChainError} When the contract refuses (the message names its error), the transaction
 *   is not mined in time ("sent, not mined after N s", with its hash), or it reverts.
 */
export async function sendMarketTransaction({
  signer,
  marketAddress,
  method,
  args,
  gasLimit,
  value,
  simulate = true,
  timeoutMs = 120_000,
  secretRpcUrls = [],
  logger = silentLogger,
}: SendMarketTransactionParameters): Promise<SendMarketTransactionReturnType> {
  const contract = new Contract(marketAddress, marketAbi as never, signer)
  const fn = contract.getFunction(method)
  const overrides = value === undefined ? { gasLimit } : { gasLimit, value }

  if (simulate) {
    try {
      await fn.staticCall(...args, overrides)
    } catch (error) {
      throw refusal(error, method, marketAddress, secretRpcUrls)
    }
  }

  let txHash: string
  try {
    txHash = (await fn.send(...args, overrides)).hash
  } catch (error) {
    throw refusal(error, method, marketAddress, secretRpcUrls)
  }
  logger.debug(`${method}: sent ${txHash}`)
  const provider = signer.provider
  if (!provider) throw new ChainError('The signer has no provider.')
  let receipt
  try {
    receipt = await waitForReceipt({ provider, txHash, timeoutMs })
  } catch (error) {
    throw chainFailure(error, { shortMessage: `Waiting for ${method} transaction ${txHash} failed.`, rpcUrls: secretRpcUrls })
  }
  if (!receipt) throw notMined(method, txHash, timeoutMs)
  if (receipt.status !== 1) {
    throw new ChainError(`${method} transaction ${txHash} reverted.`, {
      details: receipt.gasUsed >= gasLimit ? `It used all ${gasLimit} gas; raise the gas limit.` : 'Simulate it (the default) to see the contract error.',
    })
  }
  logger.debug(`${method} ${txHash}: gas ${receipt.gasUsed}`)
  const ours = receipt.logs.filter((log) => log.address.toLowerCase() === marketAddress.toLowerCase())
  return { txHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber, events: decodeEvents(contract, ours) }
}

function notMined(method: string, txHash: string, timeoutMs: number): ChainError {
  return new ChainError(`${method} transaction ${txHash} was sent, not mined after ${Math.round(timeoutMs / 1000)} s.`, {
    details: 'It may still be mined: look it up by its hash before sending it again (a resend could do the work twice).',
  })
}

function refusal(error: unknown, method: string, address: string, rpcUrls: readonly string[]): ChainError {
  if (isError(error, 'CALL_EXCEPTION') && error.revert) {
    const args = error.revert.args.map((a) => String(a)).join(', ')
    const details = hint(error.revert.name)
    return new MarketRefusalError(`The contract at ${address} refused ${method}: ${error.revert.name}(${args}).`, error.revert.name, details === undefined ? {} : { details })
  }
  if (isError(error, 'BAD_DATA') || (isError(error, 'CALL_EXCEPTION') && error.data === '0x')) {
    return new ChainError(`No GlassboxMarket answers ${method} at ${address}.`, { details: 'Check the address and the chain, or deploy one with glassbox deploy.' })
  }
  return chainFailure(error, { shortMessage: `${method} on the contract at ${address} failed.`, rpcUrls })
}

/** What to do about the refusals a user can act on. */
function hint(errorName: string): string | undefined {
  switch (errorName) {
    case 'ProverMismatch':
      return 'The proof binds another address as prover; prove again with the sending account as `prover`.'
    case 'StatementAlreadyVerified':
      return 'This statement is already verified on chain; nothing to do.'
    case 'InvalidProof':
      return 'The verifier rejected the proof; check it off-chain with glassbox verify.'
    case 'WrongSignalCount':
      return 'The proof is for another model (or circuit version) than the one registered.'
    case 'ModelAlreadyRegistered':
      return 'This account already registered this verifier; its model id is unchanged.'
    case 'InsufficientStake':
      return 'Deposit more stake (glassbox lock --stake <wei>), or fulfil a locked request first.'
    case 'VerifierCodeChanged':
      return 'The code at the verifier address is not the code registered: do not trust this model.'
    default:
      return undefined
  }
}

function decodeEvents(contract: Contract, logs: readonly Log[]): MarketEvent[] {
  const events: MarketEvent[] = []
  for (const log of logs) {
    const parsed = contract.interface.parseLog(log)
    if (!parsed) continue
    events.push({ name: parsed.name, args: Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i]])) })
  }
  return events
}
