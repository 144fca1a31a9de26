import type { Signer } from 'ethers'
import { silentLogger, type Logger } from '../logger.js'
import { compileVerifier } from './compileVerifier.js'
import { deployContract, type DeployContractReturnType } from './deployContract.js'

export type DeployVerifierParameters = {
  signer: Signer
  /** Source of the generated `Verifier.sol` (snarkjs `exportSolidityVerifier`, named per model). */
  source: string
  /** Optional directory for solc's output cache. */
  cacheDir?: string | undefined
  /** Mining timeout, in ms. */
  timeoutMs?: number | undefined
  secretRpcUrls?: readonly string[] | undefined
  logger?: Logger | undefined
}

export type DeployVerifierReturnType = DeployContractReturnType & { contractName: string; deployedBytecode: string }

/**
 * Compiles a model's `Verifier.sol` and deploys its verifier contract.
 *
 * @param parameters - {@link DeployVerifierParameters}
 * @returns `{ address, txHash, gasUsed, contractName, deployedBytecode }`
 * @throws {ChainError} When the source does not compile, has no verifier contract, or deployment fails.
 *
 * @example
 * ```ts
 * const source = await readFile('build/iris/Verifier.sol', 'utf8')
 * const { address } = await deployVerifier({ signer, source, logger })
 * ```
 */
export async function deployVerifier({ signer, source, cacheDir, timeoutMs, secretRpcUrls, logger = silentLogger }: DeployVerifierParameters): Promise<DeployVerifierReturnType> {
  const verifier = await compileVerifier({ source, cacheDir, logger })
  const deployed = await deployContract({ signer, contract: verifier, name: verifier.contractName, timeoutMs, secretRpcUrls, logger })
  return { ...deployed, contractName: verifier.contractName, deployedBytecode: verifier.deployedBytecode }
}
