import type { Signer } from 'ethers'
import { silentLogger, type Logger } from '../logger.js'
import { sendRegistryTransaction } from './sendRegistryTransaction.js'

/** Pass as `inputHashIndex` when the model's input is not a public signal (no bounty requests). */
export const NO_INPUT_HASH = 2n ** 256n - 1n

export type RegisterModelParameters = {
  /** Becomes the model's owner in the registry. */
  signer: Signer
  registryAddress: string
  /** bytes32, e.g. keccak256 of the manifest. Registered once; re-registering is refused. */
  modelId: string
  verifierAddress: string
  /** Number of public signals of the circuit. */
  nPublic: number
  /** Position of the `prover` address signal. */
  proverIndex: number
  /** Position of the input hash signal, or {@link NO_INPUT_HASH}. */
  inputHashIndex: number | bigint
  /** bytes32 hash of the verification key. */
  vkeyHash: string
  /** bytes32 commitment to the quantized weights. */
  weightCommitment: string
  gasLimit?: bigint
  logger?: Logger
}

export type RegisterModelReturnType = { txHash: string; gasUsed: bigint }

/**
 * Registers a model (its verifier and public-signal layout) in a GlassboxRegistry.
 *
 * @param parameters - {@link RegisterModelParameters}
 * @returns `{ txHash, gasUsed }`
 * @throws {ChainError} When the registry refuses, e.g. `ModelAlreadyRegistered`, `InvalidLayout`,
 *   `VerifierNotAContract`.
 *
 * @example
 * ```ts
 * await registerModel({ signer, registryAddress, modelId, verifierAddress, nPublic: 3,
 *   proverIndex: 2, inputHashIndex: 1, vkeyHash, weightCommitment, logger })
 * ```
 */
export async function registerModel({
  signer,
  registryAddress,
  modelId,
  verifierAddress,
  nPublic,
  proverIndex,
  inputHashIndex,
  vkeyHash,
  weightCommitment,
  gasLimit = 300_000n,
  logger = silentLogger,
}: RegisterModelParameters): Promise<RegisterModelReturnType> {
  const { txHash, gasUsed } = await sendRegistryTransaction({
    signer,
    registryAddress,
    method: 'register',
    args: [modelId, verifierAddress, nPublic, proverIndex, inputHashIndex, vkeyHash, weightCommitment],
    gasLimit,
    logger,
  })
  logger.info(`model ${modelId} registered with verifier ${verifierAddress} (gas ${gasUsed})`)
  return { txHash, gasUsed }
}
