import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileContracts } from './compileContracts.js'
import { deployContract, type DeployContractReturnType } from './deployContract.js'

/**
 * `contracts/` at the package root. The same two levels up from `src/chain/` (tsx, vitest) and
 * from `dist/chain/` (the built package).
 */
const REGISTRY_SOURCE = fileURLToPath(new URL('../../contracts/GlassboxRegistry.sol', import.meta.url))

export type DeployRegistryParameters = {
  signer: Signer
  /** Seconds a bounty request stays answerable before its requester may cancel it. Default: 1 day. */
  requestTimeout?: bigint
  /** Optional directory for solc's output cache. */
  cacheDir?: string
  logger?: Logger
}

export type DeployRegistryReturnType = DeployContractReturnType

/**
 * Compiles `contracts/GlassboxRegistry.sol` and deploys it.
 *
 * @param parameters - {@link DeployRegistryParameters}
 * @returns `{ address, txHash, gasUsed }`; talk to it with {@link registryAbi}.
 * @throws {ChainError} When the source is missing, does not compile, or deployment fails.
 *
 * @example
 * ```ts
 * const registry = await deployRegistry({ signer, logger })
 * const contract = new Contract(registry.address, registryAbi, signer)
 * ```
 */
export async function deployRegistry({
  signer,
  requestTimeout = 86_400n,
  cacheDir,
  logger = silentLogger,
}: DeployRegistryParameters): Promise<DeployRegistryReturnType> {
  if (requestTimeout <= 0n || requestTimeout >= 2n ** 32n) {
    throw new ChainError(`requestTimeout must be between 1 s and ~136 years, got ${requestTimeout}.`)
  }
  let source: string
  try {
    source = await readFile(REGISTRY_SOURCE, 'utf8')
  } catch (error) {
    throw new ChainError(`Cannot read the registry contract at ${REGISTRY_SOURCE}.`, {
      details: 'The glassbox package is incomplete; reinstall it.',
      cause: error,
    })
  }
  const compiled = await compileContracts({ sources: { 'GlassboxRegistry.sol': source }, cacheDir, logger })
  const registry = compiled.GlassboxRegistry as NonNullable<typeof compiled.GlassboxRegistry>
  return deployContract({ signer, contract: registry, args: [requestTimeout], name: 'GlassboxRegistry', logger })
}
