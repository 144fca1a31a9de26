import type { Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { proofToCalldata, type Groth16Proof } from './proofToCalldata.js'
import { sendRegistryTransaction } from './sendRegistryTransaction.js'

type SubmitCommon = {
  /** Sends the transaction; must be the address bound into the proof as `prover`. */
  signer: Signer
  registryAddress: string
  proof: Groth16Proof
  publicSignals: readonly (string | bigint)[]
  /** Defaults to 600k + 20k per public signal (a 7-signal verification measured ~256k). */
  gasLimit?: bigint
  /** Simulate first so a refusal names the registry's error (default `true`). */
  simulate?: boolean
  logger?: Logger
}

export type SubmitToRegistryParameters = SubmitCommon &
  (
    | { /** Record an inference of this registered model (`submit`). */ modelId: string; requestId?: undefined }
    | { /** Answer this bounty request and collect its bounty (`submitForRequest`). */ requestId: bigint; modelId?: undefined }
  )

export type SubmitToRegistryReturnType = {
  txHash: string
  /** Gas used, from the receipt (never from an estimate). */
  gasUsed: bigint
  /** Inference key (keccak256 of model id and public signals) under which it is recorded. */
  key: string
  /** Bounty paid to the sender, in wei (0n for plain submissions). */
  bounty: bigint
}

/**
 * Submits a proof to a GlassboxRegistry: `submit` with a `modelId`, or `submitForRequest` with a
 * `requestId`. The transaction has an explicit gas limit and gas is read from its receipt.
 *
 * @param parameters - {@link SubmitToRegistryParameters}
 * @returns `{ txHash, gasUsed, key, bounty }`
 * @throws {VerifyError} When the proof or signals are malformed.
 * @throws {ChainError} When the registry refuses the submission; the message names its error,
 *   e.g. `InferenceAlreadyRecorded`, `ProverMismatch`, `InvalidProof`.
 *
 * @example
 * ```ts
 * const { gasUsed } = await submitToRegistry({ signer, registryAddress, modelId, proof, publicSignals, logger })
 * ```
 */
export async function submitToRegistry({
  signer,
  registryAddress,
  proof,
  publicSignals,
  gasLimit,
  simulate = true,
  logger = silentLogger,
  ...target
}: SubmitToRegistryParameters): Promise<SubmitToRegistryReturnType> {
  const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
  const gas = gasLimit ?? 600_000n + 20_000n * BigInt(signals.length)
  const forRequest = target.requestId !== undefined
  if (!forRequest && target.modelId === undefined) throw new ChainError('submitToRegistry needs a modelId or a requestId.')

  const { txHash, gasUsed, events } = await sendRegistryTransaction({
    signer,
    registryAddress,
    method: forRequest ? 'submitForRequest' : 'submit',
    args: [forRequest ? target.requestId : target.modelId, a, b, c, signals],
    gasLimit: gas,
    simulate,
    logger,
  })

  const verified = events.find((e) => e.name === 'InferenceVerified')
  const fulfilled = events.find((e) => e.name === 'RequestFulfilled')
  const key = (fulfilled ?? verified)?.args.key
  if (typeof key !== 'string') throw new ChainError(`Transaction ${txHash} succeeded but emitted no inference event.`)
  const bounty = (fulfilled?.args.bounty as bigint | undefined) ?? 0n
  logger.info(
    forRequest
      ? `request ${target.requestId} fulfilled: bounty ${bounty} wei, gas ${gasUsed} (tx ${txHash})`
      : `inference ${key} recorded: gas ${gasUsed} (tx ${txHash})`,
  )
  return { txHash, gasUsed, key, bounty }
}
