import type { ChainContext } from '../chain/registerModel.js'
import { GlassboxError, InputError, MarketRefusalError, ProveError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { fulfilRequest } from '../market/fulfilRequest.js'
import type { CostModel } from './createCostModel.js'
import type { NodeMetrics } from './createNodeMetrics.js'
import { requestRecord } from './nodeJournal.js'
import type { NodeJournal } from './openNodeJournal.js'
import type { ServedModel } from './openServedModels.js'

export type FulfilForNodeParameters = {
  requestId: string
  model: ServedModel
  chain: ChainContext
  /** Answering another prover's missed lock (journaled as such). */
  late: boolean
  /** Gas of this node's lock of it (0 when it did not lock it), for the cost model. */
  lockGas: bigint
  journal: NodeJournal
  metrics: NodeMetrics
  costs: CostModel
  logger?: Logger | undefined
}

/**
 * `fulfilled`: done. `failed`: the proof itself failed (the circuit rejects the input), give up.
 * `retry`: look at the chain again; `refused` when the market refused (counts against the request),
 * false when the chain could not be reached (does not).
 */
export type FulfilForNodeReturnType = { outcome: 'fulfilled' } | { outcome: 'failed'; reason: string } | { outcome: 'retry'; reason: string; refused: boolean }

/**
 * Proves and fulfils one request for a node, journaling it: `proving` before, each proof made
 * (`proof`, with its time, also fed to the cost model and the metrics), and `fulfilled` with the
 * payout after. Never throws for the request's own failures: it says what happened.
 */
export async function fulfilForNode({ requestId, model, chain, late, lockGas, journal, metrics, costs, logger = silentLogger }: FulfilForNodeParameters): Promise<FulfilForNodeReturnType> {
  await journal.append(requestRecord(requestId, 'proving', { model: model.modelId, late }))
  try {
    const result = await fulfilRequest({
      buildDir: model.buildDir,
      chain,
      requestId: BigInt(requestId),
      context: model.context,
      executor: model.executorFor(async (record) => {
        await journal.append({ t: 'proof', id: requestId, ms: record.ms, at: new Date().toISOString() })
        metrics.proofs.inc()
        metrics.provingSeconds.observe(record.ms / 1000)
        costs.observeProof(model.modelId, record.ms)
      }),
      logger,
    })
    await journal.append(requestRecord(requestId, 'fulfilled', { model: model.modelId, payout: result.payout, late: result.late, txHash: result.txHash, gas: result.gasUsed }))
    metrics.fulfilled.inc()
    metrics.earnings.inc(Number(result.payout))
    if (lockGas > 0n) costs.observeGas(model.modelId, lockGas + result.gasUsed)
    return { outcome: 'fulfilled' }
  } catch (error) {
    const reason = error instanceof GlassboxError ? error.shortMessage : String(error)
    if (error instanceof ProveError) return { outcome: 'failed', reason }
    return { outcome: 'retry', reason, refused: error instanceof MarketRefusalError || error instanceof InputError }
  }
}
