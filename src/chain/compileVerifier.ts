import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileContracts, type CompiledContract } from './compileContracts.js'

export type CompileVerifierParameters = {
  /** Source of a model's Verifier.sol. */
  source: string
  /** Disk cache for solc's output (default: `glassbox-solc` in the OS temp folder). */
  cacheDir?: string | undefined
  logger?: Logger | undefined
}

export type CompileVerifierReturnType = CompiledContract & { contractName: string }

/**
 * Compiles a model's Verifier.sol and returns its verifier contract: the one contract with a
 * `verifyProof` function, whatever it is called (`IrisVerifier`, or `Groth16Verifier` in builds
 * made before verifiers were named per model).
 *
 * @throws {ChainError} When it does not compile or has no single verifier contract.
 */
export async function compileVerifier({ source, cacheDir = join(tmpdir(), 'glassbox-solc'), logger = silentLogger }: CompileVerifierParameters): Promise<CompileVerifierReturnType> {
  const compiled = await compileContracts({ sources: { 'Verifier.sol': source }, cacheDir, logger })
  const verifiers = Object.entries(compiled).filter(([, c]) => c.abi.some((f) => f.type === 'function' && f.name === 'verifyProof'))
  if (verifiers.length !== 1) {
    throw new ChainError(`Verifier.sol has ${verifiers.length} contracts with a verifyProof function, expected 1.`, {
      details: `Found: ${Object.keys(compiled).join(', ') || 'none'}. Regenerate it with glassbox setup.`,
    })
  }
  const [contractName, contract] = verifiers[0]!
  return { ...contract, contractName }
}
