import { ContractFactory, type Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { chainFailure } from './chainFailure.js'
import type { CompiledContract } from './compileContracts.js'
import { waitForReceipt } from './waitForReceipt.js'

export type DeployContractParameters = {
  signer: Signer
  contract: Pick<CompiledContract, 'abi' | 'bytecode'>
  /** Constructor arguments. */
  args?: readonly unknown[]
  /** Name used in messages. */
  name?: string
  /** Mining timeout, in ms (default 120 s). */
  timeoutMs?: number | undefined
  /** Raw RPC URLs to scrub from error messages. */
  secretRpcUrls?: readonly string[] | undefined
  logger?: Logger | undefined
}

export type DeployContractReturnType = {
  address: string
  txHash: string
  /** Gas used by the deployment, from its receipt. */
  gasUsed: bigint
  blockNumber: number
}

/**
 * Deploys a compiled contract and waits, at most `timeoutMs`, for its receipt.
 *
 * The gas limit is estimated by the node here: unlike a bare verifier call, a deployment cannot
 * "succeed" with too little gas, it reverts. Gas used is read from the receipt.
 *
 * @param parameters - {@link DeployContractParameters}
 * @returns `{ address, txHash, gasUsed, blockNumber }`
 * @throws {ChainError} When the deployment is rejected, reverts, or is not mined in time.
 *
 * @example
 * ```ts
 * const { address } = await deployContract({ signer, contract: { abi: marketAbi, bytecode: marketBytecode } })
 * ```
 */
export async function deployContract({
  signer,
  contract,
  args = [],
  name = 'contract',
  timeoutMs = 120_000,
  secretRpcUrls = [],
  logger = silentLogger,
}: DeployContractParameters): Promise<DeployContractReturnType> {
  let txHash: string
  let address: string
  try {
    const factory = new ContractFactory(contract.abi as never, contract.bytecode, signer)
    const deployed = await factory.deploy(...args)
    const tx = deployed.deploymentTransaction()
    if (!tx) throw new ChainError(`Deploying ${name} sent no transaction.`)
    txHash = tx.hash
    address = await deployed.getAddress()
  } catch (error) {
    if (error instanceof ChainError) throw error
    throw chainFailure(error, { shortMessage: `Deploying ${name} failed.`, rpcUrls: secretRpcUrls })
  }
  const provider = signer.provider
  if (!provider) throw new ChainError('The signer has no provider.')
  let receipt
  try {
    receipt = await waitForReceipt({ provider, txHash, timeoutMs })
  } catch (error) {
    throw chainFailure(error, { shortMessage: `Waiting for the deployment of ${name} (${txHash}) failed.`, rpcUrls: secretRpcUrls })
  }
  if (!receipt) {
    throw new ChainError(`Deployment of ${name} (transaction ${txHash}) was sent, not mined after ${Math.round(timeoutMs / 1000)} s.`, {
      details: `It may still be mined at ${address}: check before deploying again.`,
    })
  }
  if (receipt.status !== 1) throw new ChainError(`Deploying ${name} failed: transaction ${txHash} reverted.`)
  logger.info(`deployed ${name} at ${address} (gas ${receipt.gasUsed})`)
  return { address, txHash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }
}
