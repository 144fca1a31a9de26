import type { Provider, Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { stripMetadata } from './checkVerifierCode.js'
import { deployContract, type DeployContractReturnType } from './deployContract.js'
import { marketAbi, marketBytecode, marketDeployedBytecode } from './marketArtifact.js'

export type DeployMarketParameters = {
  signer: Signer
  timeoutMs?: number | undefined
  secretRpcUrls?: readonly string[] | undefined
  logger?: Logger | undefined
}

export type DeployMarketReturnType = DeployContractReturnType

/**
 * Deploys a GlassboxMarket (registry included) from the exported artifact; no compiler needed.
 *
 * @throws {ChainError} When the deployment fails or is not mined in time.
 *
 * @example
 * ```ts
 * const { address } = await deployMarket({ signer, logger })
 * ```
 */
export async function deployMarket({ signer, timeoutMs, secretRpcUrls, logger = silentLogger }: DeployMarketParameters): Promise<DeployMarketReturnType> {
  return deployContract({ signer, contract: { abi: marketAbi as never, bytecode: marketBytecode }, name: 'GlassboxMarket', timeoutMs, secretRpcUrls, logger })
}

/**
 * Checks, before anything is sent, that the code at `address` is this version's GlassboxMarket
 * (every executable byte; solc's metadata tail ignored).
 *
 * @throws {ChainError} When there is no contract there or it is something else.
 */
export async function checkMarket({ provider, address }: { provider: Provider; address: string }): Promise<void> {
  const code = await provider.getCode(address)
  if (code === '0x') throw new ChainError(`No contract at ${address}: --registry must name a deployed GlassboxMarket.`, { details: 'Check the address and --chain-id, or omit --registry to deploy one.' })
  if (stripMetadata(code).toLowerCase() !== stripMetadata(marketDeployedBytecode).toLowerCase()) {
    throw new ChainError(`The contract at ${address} is not a GlassboxMarket of this glassbox version.`, { details: 'Nothing was sent. Deploy a market with glassbox deploy (without --registry).' })
  }
}
