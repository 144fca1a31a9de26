import type { Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileContracts } from './compileContracts.js'
import { deployContract, type DeployContractReturnType } from './deployContract.js'

export type DeployVerifierParameters = {
  signer: Signer
  /** Source of the generated `Verifier.sol` (snarkjs `exportSolidityVerifier`). */
  source: string
  /** Optional directory for solc's output cache. */
  cacheDir?: string
  logger?: Logger
}

export type DeployVerifierReturnType = DeployContractReturnType

/**
 * Compiles a snarkjs-generated `Verifier.sol` and deploys its `Groth16Verifier` contract.
 *
 * @param parameters - {@link DeployVerifierParameters}
 * @returns `{ address, txHash, gasUsed }`
 * @throws {ChainError} When the source does not compile, has no `Groth16Verifier`, or deployment fails.
 *
 * @example
 * ```ts
 * const source = await readFile('build/iris/Verifier.sol', 'utf8')
 * const { address } = await deployVerifier({ signer, source, logger })
 * ```
 */
export async function deployVerifier({
  signer,
  source,
  cacheDir,
  logger = silentLogger,
}: DeployVerifierParameters): Promise<DeployVerifierReturnType> {
  const compiled = await compileContracts({ sources: { 'Verifier.sol': source }, cacheDir, logger })
  const verifier = compiled.Groth16Verifier
  if (!verifier) {
    throw new ChainError('Verifier.sol has no contract named Groth16Verifier.', {
      details: `Found: ${Object.keys(compiled).join(', ') || 'none'}. Regenerate it with glassbox setup.`,
    })
  }
  return deployContract({ signer, contract: verifier, name: 'Groth16Verifier', logger })
}
