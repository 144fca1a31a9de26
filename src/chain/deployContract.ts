import { ContractFactory, type Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import type { CompiledContract } from './compileContracts.js'

export type DeployContractParameters = {
  signer: Signer
  contract: CompiledContract
  /** Constructor arguments. */
  args?: readonly unknown[]
  /** Name used in messages. */
  name?: string
  logger?: Logger
}

export type DeployContractReturnType = {
  address: string
  txHash: string
  /** Gas used by the deployment, from its receipt. */
  gasUsed: bigint
}

/**
 * Deploys a compiled contract and waits for its receipt.
 *
 * The gas limit is estimated by the node here: unlike a bare verifier call, a deployment cannot
 * "succeed" with too little gas, it reverts. Gas used is read from the receipt.
 *
 * @param parameters - {@link DeployContractParameters}
 * @returns `{ address, txHash, gasUsed }`
 * @throws {ChainError} When the deployment is rejected or reverts.
 *
 * @example
 * ```ts
 * const { address } = await deployContract({ signer, contract: compiled.GlassboxRegistry, args: [86400n] })
 * ```
 */
export async function deployContract({
  signer,
  contract,
  args = [],
  name = 'contract',
  logger = silentLogger,
}: DeployContractParameters): Promise<DeployContractReturnType> {
  try {
    const factory = new ContractFactory(contract.abi as never, contract.bytecode, signer)
    const deployed = await factory.deploy(...args)
    const tx = deployed.deploymentTransaction()
    const receipt = await tx?.wait()
    if (!tx || !receipt || receipt.status !== 1) throw new Error('deployment transaction failed')
    const address = await deployed.getAddress()
    logger.info(`deployed ${name} at ${address} (gas ${receipt.gasUsed})`)
    return { address, txHash: tx.hash, gasUsed: receipt.gasUsed }
  } catch (error) {
    if (error instanceof ChainError) throw error
    throw new ChainError(`Deploying ${name} failed.`, {
      details: error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error),
      cause: error,
    })
  }
}
