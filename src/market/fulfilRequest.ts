import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { proofWords } from '../chain/proofWords.js'
import { readRequest } from '../chain/readRequest.js'
import type { ChainContext } from '../chain/registerModel.js'
import { ChainError, ProveError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { proveBatch } from '../prove/proveBatch.js'
import type { ProveExecutorFactory } from '../prove/proveExecutor.js'
import { dequantizeInput, quantizeInput } from '../quantize/quantizeInput.js'
import { readProofs } from '../verify/readProofs.js'
import { openMarketModel, type OpenMarketModelReturnType } from './marketContext.js'
import { verifyRequestInput } from './verifyRequestInput.js'

export type FulfilRequestParameters = {
  buildDir: string
  chain: ChainContext
  requestId: bigint
  /** Proving workers (default: 1; one proof). */
  workers?: number | undefined
  /** A private request's input (floats, as in inputs.jsonl), handed over off-chain by its requester. */
  input?: readonly number[] | undefined
  /** That input's private salt (proven as a private signal, never logged). */
  salt?: bigint | undefined
  marketAddress?: string | undefined
  /** Where the proof is made (default: a fresh local pool of `workers`); a prover node passes its long-lived pool. */
  executor?: ProveExecutorFactory | undefined
  /** The build opened on this chain by {@link openMarketModel}, to skip opening (and checking) it again. */
  context?: OpenMarketModelReturnType | undefined
  logger?: Logger | undefined
}

export type FulfilRequestReturnType = {
  requestId: bigint
  /** What the sender was paid, into its free stake (`withdraw` sends it out). */
  payout: bigint
  /** True when the lock deadline had passed (the locker was slashed). */
  late: boolean
  statement: string
  output: number[]
  class?: number
  txHash: string
  gasUsed: bigint
  /** Witness + proof time of the proof, in ms (the record's `ms`). */
  proofMs: number
  /** The model is marked as a dev (insecure) setup on-chain. */
  dev: boolean
}

/**
 * Proves a locked request's input with the build's keys, bound to the sender, and fulfils it.
 * Checks before proving that the sender may fulfil now (the locker until the lock deadline,
 * anyone after it) and that the input matches its hash; checks after proving that the proof's
 * input hash and weight set are the request's.
 *
 * @throws {ChainError} When the request is not locked, is past its fulfil deadline, or belongs
 *   to another prover for now.
 * @throws {MarketRefusalError} When the market refuses the proof (the message names its error).
 */
export async function fulfilRequest({ buildDir, chain, requestId, workers = 1, input, salt, marketAddress, executor, context, logger = silentLogger }: FulfilRequestParameters): Promise<FulfilRequestReturnType> {
  const { model, layout, market, modelId, dev } = context ?? (await openMarketModel({ buildDir, chain, marketAddress, logger }))
  const request = await readRequest({ market, requestId })
  if (request.terms.modelId !== modelId) throw new ChainError(`Request ${requestId} is for model ${request.terms.modelId}, not ${buildDir} (${modelId}).`)
  if (request.status !== 'Locked') throw new ChainError(`Request ${requestId} is ${request.status}: only a locked request can be fulfilled.`)
  const me = await chain.signer.getAddress()
  const now = BigInt((await chain.provider.getBlock('latest'))?.timestamp ?? 0)
  if (now > request.fulfilDeadline) throw new ChainError(`Request ${requestId} passed its fulfil deadline; it can only expire now.`)
  if (now <= request.lockDeadline && request.locker.toLowerCase() !== me.toLowerCase()) {
    throw new ChainError(`Request ${requestId} is locked by ${request.locker} until ${request.lockDeadline}.`, { details: 'After the lock deadline anyone may fulfil it (and collect half the slashed collateral).' })
  }
  const values = await verifyRequestInput(request, model, { values: input === undefined ? undefined : quantizeInput(model, input), salt })

  const dir = await mkdtemp(join(tmpdir(), 'glassbox-fulfil-'))
  try {
    const inputsPath = join(dir, 'inputs.jsonl')
    const outPath = join(dir, 'proofs.jsonl')
    // Integers at scale 2^s are exact doubles, and quantizing them again gives the same integers.
    // The salt goes to the prover in this private temporary file (removed below), never to a log.
    const line = { id: `request-${requestId}`, input: dequantizeInput(model, values), ...(salt ? { salt: salt.toString() } : {}) }
    await writeFile(inputsPath, `${JSON.stringify(line)}\n`, { mode: 0o600 })
    logger.info(`proving request ${requestId} for ${me}…`)
    const proved = await proveBatch({ buildDir, inputsPath, outPath, prover: me, workers, logger, ...(executor ? { executor } : {}) })
    if (proved.failures.length) throw new ProveError(`Proving request ${requestId} failed.`, { details: proved.failures[0]!.message })
    const record = (await readProofs(outPath))[0]
    if (!record) throw new ProveError(`Proving request ${requestId} wrote no proof.`)
    const { proof, publicSignals } = proofWords(record.proof, record.publicSignals)
    if (publicSignals[layout.inputHashIndex] !== request.terms.inputHash) {
      throw new ProveError(`The proof's input hash is not request ${requestId}'s.`, { details: 'This is a glassbox bug: the input was re-quantized differently.' })
    }
    if (layout.weights === 'committed' && publicSignals[layout.weightsIndex] !== request.terms.weightSet) {
      throw new ChainError(`Request ${requestId} asks for weight set ${request.terms.weightSet}; this build proves ${publicSignals[layout.weightsIndex]}.`, { details: 'Fulfil it with the build of that weight set.' })
    }
    const outputs = layout.freeIndices.map((i) => publicSignals[i]!)
    const tx = await market.fulfil(requestId, request.terms, proof, outputs)
    logger.info(`request ${requestId} fulfilled${tx.late ? ' late (the locker was slashed)' : ''}: ${tx.payout} wei paid into the free stake of ${me} (gas ${tx.gasUsed})`)
    const result: FulfilRequestReturnType = { requestId, payout: tx.payout, late: tx.late, statement: tx.statement, output: record.output, txHash: tx.txHash, gasUsed: tx.gasUsed, proofMs: record.ms, dev }
    if (record.class !== undefined) result.class = record.class
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
