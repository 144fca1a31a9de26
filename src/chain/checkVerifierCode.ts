import { keccak256, type Provider } from 'ethers'
import { ChainError, VerifierCodeMismatchError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileVerifier } from './compileVerifier.js'

export type CheckVerifierCodeParameters = {
  provider: Provider
  verifierAddress: string
  /** Source of the build's Verifier.sol (compiled here), or its runtime code when already compiled. */
  source?: string | undefined
  deployedBytecode?: string | undefined
  cacheDir?: string | undefined
  logger?: Logger | undefined
}

export type CheckVerifierCodeReturnType = {
  /** keccak256 of the code at the address (what the registry pins as EXTCODEHASH). */
  codehash: string
}

/**
 * Checks that the code at a verifier address is the runtime code the build's Verifier.sol
 * compiles to, so a client never trusts a verifier that accepts other proofs (a proxy, a
 * delegated account, another key's verifier). The trailing CBOR metadata (a hash of the source
 * file's path and comments) is ignored; every executable byte must match.
 *
 * @throws {ChainError} When there is no code at the address, or it differs.
 *
 * @example
 * ```ts
 * await checkVerifierCode({ provider, verifierAddress, source: await readFile('build/iris/Verifier.sol', 'utf8') })
 * ```
 */
export async function checkVerifierCode({
  provider,
  verifierAddress,
  source,
  deployedBytecode,
  cacheDir,
  logger = silentLogger,
}: CheckVerifierCodeParameters): Promise<CheckVerifierCodeReturnType> {
  let expected = deployedBytecode
  if (expected === undefined) {
    if (source === undefined) throw new ChainError('checkVerifierCode needs the Verifier.sol source or its runtime code.')
    expected = (await compileVerifier({ source, cacheDir, logger })).deployedBytecode
  }
  const actual = await provider.getCode(verifierAddress)
  if (actual === '0x') {
    throw new ChainError(`No contract at verifier address ${verifierAddress}.`, { details: 'Check the address and the chain, or deploy the verifier with glassbox deploy.' })
  }
  if (stripMetadata(actual).toLowerCase() !== stripMetadata(expected).toLowerCase()) {
    throw mismatch(verifierAddress)
  }
  logger.debug(`verifier code at ${verifierAddress} matches the build's Verifier.sol`)
  return { codehash: keccak256(actual) }
}

/** Thrown when the code at a verifier address is not what the build's Verifier.sol compiles to. */
export { VerifierCodeMismatchError }

function mismatch(verifierAddress: string): VerifierCodeMismatchError {
  return new VerifierCodeMismatchError(`The code at ${verifierAddress} is not the runtime code of this build's Verifier.sol.`, {
    details: 'It would accept proofs of another key or circuit (or none, or any). Use the verifier deployed from this build, or deploy one with glassbox deploy.',
  })
}

/** Runtime code without solc's trailing CBOR metadata (its length is in the last two bytes). */
export function stripMetadata(code: string): string {
  const hex = code.startsWith('0x') ? code.slice(2) : code
  if (hex.length < 4) return hex
  const length = Number.parseInt(hex.slice(-4), 16)
  const start = hex.length - 4 - length * 2
  // CBOR map of 1–3 entries (0xa1–0xa3): what solc appends. Anything else is left as is.
  if (start <= 0 || !/^a[123]$/i.test(hex.slice(start, start + 2))) return hex
  return hex.slice(0, start)
}
