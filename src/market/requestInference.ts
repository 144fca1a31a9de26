import { encodeRequestInput, hashRequestInput } from '../chain/requestInput.js'
import type { RequestTerms } from '../chain/marketTypes.js'
import type { ChainContext } from '../chain/registerModel.js'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import { openMarketModel } from './marketContext.js'

export type RequestInferenceParameters = {
  buildDir: string
  chain: ChainContext
  /** The input, floats flattened row-major in the model's input shape (as in inputs.jsonl). */
  input: readonly number[]
  /** The price ceiling in wei, sent and held in escrow. */
  maxPrice: bigint
  /** The price at creation (default: maxPrice, a fixed price). */
  minPrice?: bigint | undefined
  /** Seconds for the price to rise from minPrice to maxPrice (default 600). */
  rampSeconds?: bigint | undefined
  /** Collateral a locker must put up, in wei (default: maxPrice / 2). */
  collateral?: bigint | undefined
  /** Seconds from creation during which a prover may lock and the locker alone may fulfil (default 3600). */
  lockWindow?: bigint | undefined
  /** Seconds from creation until which anyone may fulfil a missed lock (default 2 × lockWindow). */
  fulfilWindow?: bigint | undefined
  /** For committed-weights models: the weight set (default: the build's own weights). */
  weightSet?: bigint | undefined
  /**
   * A private request: the hash is salted (Poseidon(h, salt), see `randomSalt`) and the input is
   * not posted; hand input and salt to a prover off-chain. Needs a build whose circuit takes a
   * salt (manifest `input.salted`).
   */
  salt?: bigint | undefined
  marketAddress?: string | undefined
  modelId?: string | undefined
  logger?: Logger | undefined
}

export type RequestInferenceReturnType = {
  requestId: bigint
  terms: RequestTerms
  inputHash: bigint
  txHash: string
  gasUsed: bigint
  /** Bytes of input the request carries (0 for a private request). */
  inputBytes: number
  /** True for a salted request without its input on-chain. */
  private: boolean
  /** The model is marked as a dev (insecure) setup on-chain: its answers can be forged by its maker. */
  dev: boolean
}

/**
 * Asks the market for an inference of a build's model: quantizes the input as the circuit will,
 * computes its Poseidon hash, and posts both (the input packed as the hash's preimage) with the
 * price ramp, deadlines and collateral.
 *
 * @throws {InputError} When the input has the wrong length or leaves the model's range.
 * @throws {MarketRefusalError} When the market refuses (the message names its error).
 *
 * @example
 * ```ts
 * const { requestId } = await requestInference({ buildDir: 'build/iris', chain, input: [5.1, 3.5, 1.4, 0.2], maxPrice: 10n ** 15n })
 * ```
 */
export async function requestInference({
  buildDir,
  chain,
  input,
  maxPrice,
  minPrice,
  rampSeconds = 600n,
  collateral,
  lockWindow = 3_600n,
  fulfilWindow,
  weightSet,
  salt,
  marketAddress,
  modelId,
  logger = silentLogger,
}: RequestInferenceParameters): Promise<RequestInferenceReturnType> {
  const { manifest, model, layout, market, modelId: id, dev } = await openMarketModel({ buildDir, chain, marketAddress, modelId, logger })
  if (manifest.input.visibility !== 'hashed') {
    throw new ChainError(`"${manifest.name}" does not hash its input (input visibility ${manifest.input.visibility}): a request cannot name it.`, {
      details: 'Recompile with --input-visibility hashed (the default).',
    })
  }
  const salted = salt !== undefined && salt !== 0n
  if (salted && manifest.input.salted !== true) {
    throw new ChainError(`"${manifest.name}" was compiled without a salt input: a private request could never be proven.`, {
      details: 'Recompile the model with a current glassbox (circuits take an optional private salt), set it up and register it again.',
    })
  }
  const values = quantizeInput(model, input)
  const inputHash = await hashRequestInput({ values, bits: model.input.bits, salt })
  // A salted hash with its input beside it would hide nothing: a private request posts none.
  const encoded = salted ? '0x' : encodeRequestInput(values, model.input.bits)
  const weights = layout.weights === 'committed' ? (weightSet ?? BigInt(manifest.weights.commitment)) : 0n
  const tx = await market.request(
    {
      modelId: id,
      weightSet: weights,
      inputHash,
      minPrice: minPrice ?? maxPrice,
      collateral: collateral ?? maxPrice / 2n,
      rampSeconds,
      lockWindow,
      fulfilWindow: fulfilWindow ?? 2n * lockWindow,
    },
    encoded,
    maxPrice,
  )
  logger.info(`${salted ? 'private ' : ''}request ${tx.requestId} posted for model ${id}: up to ${maxPrice} wei, input hash ${inputHash} (gas ${tx.gasUsed})`)
  return { requestId: tx.requestId, terms: tx.terms, inputHash, txHash: tx.txHash, gasUsed: tx.gasUsed, inputBytes: (encoded.length - 2) / 2, private: salted, dev }
}
