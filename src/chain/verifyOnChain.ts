import { Interface, isError, type Provider } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { proofToCalldata, type Groth16Proof } from './proofToCalldata.js'

export type VerifyOnChainParameters = {
  provider: Provider
  /** Address of the model's deployed verifier (e.g. `IrisVerifier`). */
  verifierAddress: string
  proof: Groth16Proof
  publicSignals: readonly (string | bigint)[]
  /**
   * Gas for the `eth_call`. Explicit on purpose: with too little gas the pairing precompile fails
   * and the snarkjs verifier *returns false* instead of reverting, so an estimate (or a node's low
   * default) can turn a valid proof into `false`. Defaults to 2M, raised for many signals.
   */
  gasLimit?: bigint
  logger?: Logger
}

/**
 * Checks a Groth16 proof with a deployed snarkjs verifier through `eth_call` (no transaction).
 *
 * @param parameters - {@link VerifyOnChainParameters}
 * @returns `true` if the verifier accepts the proof, `false` if it rejects it (or reverts).
 * @throws {VerifyError} When the proof or signals are malformed.
 * @throws {ChainError} When there is no contract at `verifierAddress`, it answers with something
 *   other than a bool, or the node cannot be reached.
 *
 * @example
 * ```ts
 * const ok = await verifyOnChain({ provider, verifierAddress, proof, publicSignals })
 * ```
 */
export async function verifyOnChain({
  provider,
  verifierAddress,
  proof,
  publicSignals,
  gasLimit,
  logger = silentLogger,
}: VerifyOnChainParameters): Promise<boolean> {
  const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
  // The verifier's last parameter is a fixed-size uint256[N], so its ABI depends on N.
  const verifier = new Interface([
    `function verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[${signals.length}] publicSignals) view returns (bool)`,
  ])
  const data = verifier.encodeFunctionData('verifyProof', [a, b, c, signals])
  // ~6.2k gas per signal on top of ~200k for the pairing (measured); 2M leaves a wide margin.
  const gas = gasLimit ?? bigMax(2_000_000n, 400_000n + 20_000n * BigInt(signals.length))

  let result: string
  try {
    result = await provider.call({ to: verifierAddress, data, gasLimit: gas })
  } catch (error) {
    if (isError(error, 'CALL_EXCEPTION')) {
      logger.debug(`verifier ${verifierAddress} reverted: ${error.shortMessage}`)
      return false
    }
    throw new ChainError(`verifyProof call to ${verifierAddress} failed.`, { details: describe(error), cause: error })
  }

  if (result === '0x') {
    const code = await provider.getCode(verifierAddress)
    throw new ChainError(
      code === '0x' ? `No contract at ${verifierAddress}.` : `The contract at ${verifierAddress} returned nothing.`,
      {
        details:
          code === '0x'
            ? 'Deploy the verifier first (glassbox deploy) or check the address and the chain.'
            : `It may not be a verifier for ${signals.length} public signals.`,
      },
    )
  }
  // A snarkjs verifier returns exactly one word, 0 or 1; anything else is not our verifier.
  if (result.length !== 66 || BigInt(result) > 1n) {
    throw new ChainError(`The contract at ${verifierAddress} did not return a bool.`, {
      details: `Returned ${result.slice(0, 80)}${result.length > 80 ? '…' : ''}`,
    })
  }
  return BigInt(result) === 1n
}

function bigMax(x: bigint, y: bigint): bigint {
  return x > y ? x : y
}

function describe(error: unknown): string {
  return error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)
}
