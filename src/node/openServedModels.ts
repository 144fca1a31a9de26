import { getAddress } from 'ethers'
import type { ChainContext } from '../chain/registerModel.js'
import { ChainError, ProveError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { openMarketModel, type OpenMarketModelReturnType } from '../market/marketContext.js'
import { createPoolExecutor } from '../prove/createPoolExecutor.js'
import { inputSha256 } from '../prove/inputSha256.js'
import type { ProofRecord } from '../prove/proofRecord.js'
import type { ProveExecutor, ProveExecutorFactory } from '../prove/proveExecutor.js'
import { selectBackend, type BackendChoice } from '../prove/selectBackend.js'

/** One build a node serves: opened on the chain, with its long-lived proving pool. */
export type ServedModel = {
  buildDir: string
  name: string
  modelId: string
  context: OpenMarketModelReturnType
  executor: ProveExecutor
  /**
   * An executor factory over the shared pool for one fulfilment (`fulfilRequest({ executor })`),
   * reporting each proof it makes. A proof already made for the same task (id, input hash,
   * prover) is handed back instead of proving again: a fulfil that failed after its proof (an
   * RPC hiccup, a transaction not mined in time) retries with the same proof.
   */
  executorFor(onProof: (record: ProofRecord) => Promise<void>): ProveExecutorFactory
  /** Drops the kept proof of a task once its request is settled (fulfilled, failed or gone). */
  forgetProof(taskId: string): void
  /** Witness + proof time of the calibration proof made at start-up, ms. */
  calibrationMs: number
}

/** Proofs a node keeps per model for retries (it holds at most a few requests at once). */
const MAX_KEPT_PROOFS = 64

export type OpenServedModelsParameters = {
  builds: readonly string[]
  chain: ChainContext
  /** The market (default: each build's deployment.json for this chain; all must name the same one). */
  marketAddress?: string | undefined
  /** Proving threads per model. */
  workers: number
  backend?: BackendChoice | undefined
  /** Tests and other executors (e.g. a queue): makes the executor of a build instead of the local pool. */
  createExecutor?: ((buildDir: string, prover: string) => ProveExecutor) | undefined
  logger?: Logger | undefined
}

export type OpenServedModelsReturnType = Map<string, ServedModel>

/**
 * Opens every build a node serves on the market (manifest, keys and the registered verifier's
 * code checked, see `openMarketModel`), starts one proving pool per build, and makes one
 * calibration proof each (an all-zero input) so the node knows its proving time before it bids.
 *
 * @throws {ChainError} When the builds name different markets or two builds are the same model.
 * @throws {ProveError} When the calibration proof fails.
 */
export async function openServedModels({ builds, chain, marketAddress, workers, backend = 'auto', createExecutor, logger = silentLogger }: OpenServedModelsParameters): Promise<OpenServedModelsReturnType> {
  const me = getAddress(await chain.signer.getAddress())
  const served = new Map<string, ServedModel>()
  try {
    for (const buildDir of builds) {
      const context = await openMarketModel({ buildDir, chain, marketAddress, logger })
      const first = served.values().next().value
      if (first && first.context.market.address.toLowerCase() !== context.market.address.toLowerCase()) {
        throw new ChainError(`${buildDir} is deployed on market ${context.market.address}, ${first.buildDir} on ${first.context.market.address}.`, { details: 'A node serves one market: pass --registry, or run one node per market.' })
      }
      if (served.has(context.modelId)) throw new ChainError(`${buildDir} and ${served.get(context.modelId)!.buildDir} are the same model (${context.modelId}).`)
      const executor = createExecutor?.(buildDir, me) ?? createPoolExecutor({ buildDir, workers, backend: selectBackend(backend, { logger }), prover: me, logger })
      // Proofs made and not yet settled, by task: a retried fulfil reuses its proof.
      const proven = new Map<string, ProofRecord>()
      const model: ServedModel = {
        buildDir,
        name: context.manifest.name,
        modelId: context.modelId,
        context,
        executor,
        executorFor: (onProof) => async () => ({
          capacity: executor.capacity,
          backend: executor.backend,
          workers: executor.workers,
          threadsPerWorker: executor.threadsPerWorker,
          async run(task, options) {
            const key = `${task.id}\n${task.inputSha256}\n${task.prover}`
            const kept = proven.get(key)
            if (kept) return { ok: true, record: kept }
            const result = await executor.run(task, options)
            if (result.ok) {
              proven.set(key, result.record)
              // Bounded: a node holds few requests at once; the oldest kept proof goes first.
              if (proven.size > MAX_KEPT_PROOFS) proven.delete(proven.keys().next().value!)
              await onProof(result.record)
            }
            return result
          },
          // The pool outlives each fulfilment; the node closes it when it stops.
          async close() {},
        }),
        forgetProof: (taskId) => {
          for (const key of proven.keys()) if (key.startsWith(`${taskId}\n`)) proven.delete(key)
        },
        calibrationMs: 0,
      }
      served.set(context.modelId, model)
      const input = new Array<number>(context.model.input.shape.reduce((a, b) => a * b, 1)).fill(0)
      const result = await executor.run({ id: 'calibration', input, line: 0, inputSha256: inputSha256(input), prover: me }, { signal: new AbortController().signal })
      if (!result.ok) throw new ProveError(`The calibration proof of ${buildDir} failed.`, { details: result.reason })
      model.calibrationMs = result.record.ms
      logger.info(`serving ${context.manifest.name} (${context.modelId}) with ${executor.workers} ${executor.backend} worker(s): calibration proof ${result.record.ms} ms${context.dev ? '; DEV setup (its key maker can forge proofs)' : ''}`)
    }
  } catch (error) {
    await Promise.all([...served.values()].map((m) => m.executor.close().catch(() => undefined)))
    throw error
  }
  return served
}
