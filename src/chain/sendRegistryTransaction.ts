import { Contract, isError, type Log, type Signer } from 'ethers'
import { ChainError, ChainRefusedError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { registryAbi } from './registryAbi.js'

export type SendRegistryTransactionParameters = {
  signer: Signer
  registryAddress: string
  /** Registry function to call, e.g. `submit`. */
  method: string
  args: readonly unknown[]
  /** Explicit, never estimated: an estimate over a verifier call can settle on a limit where verification fails. */
  gasLimit: bigint
  value?: bigint
  /** Run the call through `eth_call` first to report the contract's custom error by name. */
  simulate?: boolean
  logger?: Logger
}

export type SendRegistryTransactionReturnType = {
  txHash: string
  /** From the receipt. */
  gasUsed: bigint
  /** Registry events of the transaction, decoded. */
  events: { name: string; args: Record<string, unknown> }[]
}

/**
 * Sends one transaction to a GlassboxRegistry with an explicit gas limit and waits for its receipt.
 * Used by the registry actions (submit, register); not part of the public API.
 *
 * A mined revert carries no reason, so by default the call is simulated first and a refusal is
 * reported with the registry's custom error (e.g. `InferenceAlreadyRecorded(0x…)`).
 *
 * @param parameters - {@link SendRegistryTransactionParameters}
 * @returns `{ txHash, gasUsed, events }`
 * @throws {ChainError} When the registry refuses the call (simulated or mined), or there is no registry at the address.
 */
export async function sendRegistryTransaction({
  signer,
  registryAddress,
  method,
  args,
  gasLimit,
  value,
  simulate = true,
  logger = silentLogger,
}: SendRegistryTransactionParameters): Promise<SendRegistryTransactionReturnType> {
  const registry = new Contract(registryAddress, registryAbi, signer)
  const fn = registry.getFunction(method)
  const overrides = value === undefined ? { gasLimit } : { gasLimit, value }

  if (simulate) {
    try {
      await fn.staticCall(...args, overrides)
    } catch (error) {
      throw refusal(error, method, registryAddress)
    }
  }

  let txHash: string | undefined
  try {
    const tx = await fn.send(...args, overrides)
    txHash = tx.hash
    const receipt = await tx.wait()
    if (!receipt) throw new ChainError(`No receipt for ${method} transaction ${tx.hash}.`)
    logger.debug(`${method} ${tx.hash}: gas ${receipt.gasUsed}`)
    const ours = receipt.logs.filter((log) => log.address.toLowerCase() === registryAddress.toLowerCase())
    return { txHash: tx.hash, gasUsed: receipt.gasUsed, events: decodeEvents(registry, ours) }
  } catch (error) {
    if (error instanceof ChainError) throw error
    if (isError(error, 'CALL_EXCEPTION') && txHash) {
      const gasUsed = error.receipt?.gasUsed
      throw new ChainRefusedError(`${method} transaction ${txHash} reverted.`, {
        details:
          gasUsed !== undefined && gasUsed >= gasLimit
            ? `It used all ${gasLimit} gas; raise the gas limit.`
            : 'Simulate it (the default) to see the registry error.',
        cause: error,
      })
    }
    throw refusal(error, method, registryAddress)
  }
}

function refusal(error: unknown, method: string, registryAddress: string): ChainError {
  if (isError(error, 'CALL_EXCEPTION') && error.revert) {
    const args = error.revert.args.map((a) => String(a)).join(', ')
    return new ChainRefusedError(`The registry refused ${method}: ${error.revert.name}(${args}).`, {
      details: hint(error.revert.name),
      cause: error,
    })
  }
  if (isError(error, 'BAD_DATA')) {
    return new ChainError(`No GlassboxRegistry answers at ${registryAddress}.`, {
      details: 'Check the address and the chain, or deploy one with glassbox deploy.',
      cause: error,
    })
  }
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)
  return new ChainError(`${method} on the registry at ${registryAddress} failed.`, { details: message, cause: error })
}

/** What to do about the refusals a user can act on. */
function hint(errorName: string): string | undefined {
  switch (errorName) {
    case 'ProverMismatch':
      return 'The proof binds another address as prover; prove again with the sending account as `prover`.'
    case 'InferenceAlreadyRecorded':
      return 'This inference is already on chain; nothing to do.'
    case 'InvalidProof':
      return 'The verifier rejected the proof; check it off-chain with glassbox verify.'
    case 'WrongSignalCount':
      return 'The proof is for another model (or circuit version) than the one registered.'
    case 'ModelAlreadyRegistered':
      return 'Model ids are registered once; use a new id for a new version.'
    default:
      return undefined
  }
}

function decodeEvents(registry: Contract, logs: readonly Log[]): SendRegistryTransactionReturnType['events'] {
  const events: SendRegistryTransactionReturnType['events'] = []
  for (const log of logs) {
    const parsed = registry.interface.parseLog(log)
    if (!parsed) continue
    events.push({ name: parsed.name, args: Object.fromEntries(parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i]])) })
  }
  return events
}
