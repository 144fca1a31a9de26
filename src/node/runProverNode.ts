import { getAddress } from 'ethers'
import { readRequest, type ReadRequestReturnType } from '../chain/readRequest.js'
import { scrubChainText } from '../chain/scrubChainText.js'
import type { ChainContext } from '../chain/registerModel.js'
import { ChainError, GlassboxError, InputError, MarketRefusalError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { verifyRequestInput } from '../market/verifyRequestInput.js'
import type { ProveExecutor } from '../prove/proveExecutor.js'
import type { BackendChoice } from '../prove/selectBackend.js'
import { createCostModel } from './createCostModel.js'
import { createNodeMetrics } from './createNodeMetrics.js'
import { decideRequest } from './decideRequest.js'
import { isTerminal, requestRecord, type NodeRequestState, type RequestFacts } from './nodeJournal.js'
import { openNodeJournal, type NodeJournal } from './openNodeJournal.js'
import { openServedModels, type ServedModel } from './openServedModels.js'
import { readMarketEvents } from './readMarketEvents.js'
import { summarizeNodeJournal, type NodeSummary } from './summarizeNodeJournal.js'
import { withdrawEarnings } from './withdrawEarnings.js'
import { fulfilForNode } from './fulfilForNode.js'
import { lateTurn } from './lateTurn.js'

export type RunProverNodeParameters = {
  /** A connected chain (`connectChain`); its `rpcUrl` is the redacted one, for messages. */
  chain: ChainContext & { rpcUrl: string }
  /** Build folders of the models to serve (set up and deployed on the market). */
  builds: readonly string[]
  /** The node's state folder (journal). */
  stateDir: string
  marketAddress?: string | undefined
  /** First block to read events from when the journal has none (default: the market's deployment block, else the head). */
  fromBlock?: number | undefined
  /** The node's price of a second of proving, and its least price per request, in wei (gas is added). */
  pricePerSecond: bigint
  priceFloor: bigint
  /** Proving threads per model (default 1). */
  workers?: number | undefined
  backend?: BackendChoice | undefined
  /** Stake to keep deposited, wei: the difference is deposited at start, earnings above it are withdrawn. */
  stake?: bigint | undefined
  /** Requests held locked at once, at most (default 2 × workers × models). */
  maxLocked?: number | undefined
  /** Blocks re-read on every poll, so events a reorg of that depth moved are seen again (default 5). */
  reorgDepth?: number | undefined
  /** ms between polls (default 1 s on this machine's chain, else 4 s). */
  pollMs?: number | undefined
  /** Withdraw earnings every this many seconds (default 3600; 0: never), to `withdrawTo` (default: the node's account). */
  withdrawEverySeconds?: number | undefined
  withdrawTo?: string | undefined
  /** Answer requests other provers locked and missed (default true). */
  serveLate?: boolean | undefined
  /** Seconds per turn of answering a missed lock, on top of the planned proof time (default 10; see `lateTurn`). */
  lateSlotSeconds?: number | undefined
  /** Serve Prometheus metrics on 127.0.0.1:port (0: any free port). */
  metricsPort?: number | undefined
  /** Makes a build's executor instead of the local pool (tests, other executors). */
  createExecutor?: ((buildDir: string, prover: string) => ProveExecutor) | undefined
  /** Stops the node: no new locks, what is locked is proven and fulfilled, then it returns. */
  signal?: AbortSignal | undefined
  /** Called once the node is serving (after calibration), with the metrics port if any. */
  onReady?: ((info: { address: string; market: string; metricsPort?: number }) => void) | undefined
  logger?: Logger | undefined
}

export type RunProverNodeReturnType = NodeSummary

/** Request states in which this node holds the request locked. */
const HOLDING: readonly NodeRequestState[] = ['locking', 'locked', 'proving']

type Tracked = { model: string; nextCheck: bigint; attempts: number; lockGas: bigint; inputOk: boolean; mine: boolean }

/**
 * Runs a prover node until `signal` aborts: follows the market's events (from its journal's last
 * block, re-reading `reorgDepth` blocks), and for each request of a served model reads its state
 * from the chain and decides (`decideRequest`): checks its input against its hash, locks it when
 * the auction price covers the node's measured cost and its stake allows, proves it on the
 * model's pool and fulfils it, answers requests others missed, withdraws earnings on schedule.
 * Every step is journaled before it is taken, so a node killed at any point resumes: a request it
 * locked is proven and fulfilled, never locked again. An RPC that fails is retried with back-off
 * (1 s doubling to 30 s) and said so, by its redacted URL.
 *
 * @returns The journal's summary when stopped.
 * @throws {NodeStateError} When the state folder belongs to another account or market.
 */
export async function runProverNode(parameters: RunProverNodeParameters): Promise<RunProverNodeReturnType> {
  const { chain, builds, stateDir, pricePerSecond, priceFloor, workers = 1, backend, reorgDepth = 5, serveLate = true, lateSlotSeconds = 10, signal, logger = silentLogger } = parameters
  const pollMs = parameters.pollMs ?? ((chain.provider as { pollingInterval?: number }).pollingInterval === 100 ? 1_000 : 4_000)
  const me = getAddress(await chain.signer.getAddress())
  const served = await openServedModels({ builds, chain, marketAddress: parameters.marketAddress, workers, backend, createExecutor: parameters.createExecutor, logger })
  const models = [...served.values()]
  const market = models[0]!.context.market
  let journal: NodeJournal
  try {
    journal = await openNodeJournal({ stateDir, identity: { address: me, market: market.address, chainId: String(chain.chainId) }, logger })
  } catch (error) {
    await Promise.all(models.map((m) => m.executor.close().catch(() => undefined)))
    throw error
  }
  const metrics = createNodeMetrics({ journal: journal.state })
  const withdrawTo = parameters.withdrawTo ?? me
  const maxLocked = parameters.maxLocked ?? 2 * workers * models.length
  try {
    await journal.append({ t: 'start', at: new Date().toISOString(), address: me, market: market.address, chainId: String(chain.chainId), models: models.map((m) => ({ name: m.name, modelId: m.modelId })) })
    const costs = createCostModel({ pricePerSecond, priceFloor })
    for (const m of models) costs.observeProof(m.modelId, m.calibrationMs)

    const stakeTarget = parameters.stake ?? 0n
    const held = await market.stakeOf(me)
    if (held.free + held.locked < stakeTarget) {
      const tx = await market.deposit(stakeTarget - held.free - held.locked)
      logger.info(`deposited ${stakeTarget - held.free - held.locked} wei of stake (gas ${tx.gasUsed})`)
    } else if (held.free + held.locked === 0n) {
      logger.warn(`${me} has no stake on the market: it can lock nothing (every lock puts up collateral). Pass --stake <wei>.`)
    }
    const metricsPort = parameters.metricsPort === undefined ? undefined : await metrics.listen(parameters.metricsPort)
    if (metricsPort !== undefined) logger.info(`metrics at http://127.0.0.1:${metricsPort}/metrics`)

    const tracked = new Map<string, Tracked>()
    for (const r of journal.state.requests.values()) {
      if (!isTerminal(r.state) && r.model) tracked.set(r.id.toString(), { model: r.model, nextCheck: 0n, attempts: 0, lockGas: 0n, inputOk: false, mine: false })
    }
    if (tracked.size) logger.info(`resuming: ${tracked.size} request(s) in progress in ${journal.path} (${[...tracked.keys()].join(', ')})`)
    const deployment = models[0]!.context.deployment
    const firstBlock = parameters.fromBlock ?? (journal.state.lastBlock >= 0 ? 0 : (deployment?.marketBlock ?? (await chain.provider.getBlockNumber())))
    const jobs = new Map<string, Promise<void>>()
    let wake: (() => void) | undefined
    const nudge = () => (wake?.(), (wake = undefined))
    signal?.addEventListener('abort', nudge, { once: true })
    let nextWithdraw = Date.now() + (parameters.withdrawEverySeconds ?? 3_600) * 1000
    const stateOf = (requestId: string) => journal.state.requests.get(requestId)?.state
    const setState = (requestId: string, state: NodeRequestState, facts: RequestFacts = {}) => journal.append(requestRecord(requestId, state, { model: tracked.get(requestId)?.model, ...facts }))

    const prove = (requestId: string, model: ServedModel, late: boolean) => {
      const t = tracked.get(requestId)!
      const job = (async () => {
        const done = await fulfilForNode({ requestId, model, chain, late, lockGas: t.lockGas, journal, metrics, costs, logger })
        // A retry keeps the proof made (the next attempt sends it again); a settled request drops it.
        if (done.outcome !== 'retry') model.forgetProof(`request-${requestId}`)
        if (done.outcome === 'fulfilled') return void tracked.delete(requestId)
        // A refusal counts against the request; a chain that cannot be reached does not (the
        // node retries it once the RPC answers, however long that takes).
        if (done.outcome === 'retry' && done.refused) t.attempts++
        t.nextCheck = 0n
        if (done.outcome === 'failed' || t.attempts >= 5) {
          await setState(requestId, 'failed', { reason: done.reason })
          metrics.failed.inc()
          tracked.delete(requestId)
          logger.warn(`request ${requestId}: ${done.reason}; given up`)
        } else {
          // Back to what the chain says: the next poll re-reads it (someone else may have answered).
          await setState(requestId, t.mine ? 'locked' : 'seen', { reason: done.reason })
          logger.warn(`request ${requestId}: ${done.reason}; will look again`)
        }
      })().finally(() => {
        jobs.delete(requestId)
        nudge()
      })
      jobs.set(requestId, job)
    }

    const consider = async (requestId: string, t: Tracked, now: bigint, chainTime: bigint, stake: { free: bigint }, gasPrice: bigint) => {
      // A request a reorg took away (its event re-read, its state gone): nothing to do.
      if ((await market.requests(BigInt(requestId))).status === 'None') return void (await setState(requestId, 'gone', { reason: 'no such request on chain (reorg?)' }), tracked.delete(requestId))
      const request: ReadRequestReturnType = await readRequest({ market, requestId: BigInt(requestId) })
      const model = served.get(request.terms.modelId)
      if (!model) return void (await setState(requestId, 'gone', { reason: 'not a served model' }), tracked.delete(requestId))
      const secondsPerProof = costs.secondsPerProof(model.modelId) ?? 1
      const backlogSeconds = ([...jobs.keys()].length * secondsPerProof) / Math.max(1, model.executor.workers)
      const lockedByMe = [...tracked.keys()].filter((k) => HOLDING.includes(stateOf(k) ?? 'seen')).length
      const decision = decideRequest({
        request,
        me,
        now,
        chainTime,
        cost: costs.cost(model.modelId, gasPrice),
        secondsPerProof,
        backlogSeconds,
        freeStake: stake.free,
        lockedByMe,
        maxLocked,
        draining: signal?.aborted ?? false,
        serveLate,
        lateDelaySeconds: lateTurn({ requestId: BigInt(requestId), me, locker: request.locker, provers: journal.state.provers }) * (Math.ceil(3 * secondsPerProof) + lateSlotSeconds),
      })
      const answered = request.fulfilment
      if (answered && getAddress(answered.prover) === me && HOLDING.includes(stateOf(requestId) ?? 'seen')) {
        // Fulfilled by this node before a crash let it journal so: record it now, with its pay.
        await setState(requestId, 'fulfilled', { payout: answered.payout, late: answered.late, txHash: answered.txHash })
        metrics.fulfilled.inc()
        metrics.earnings.inc(Number(answered.payout))
        tracked.delete(requestId)
        return
      }
      switch (decision.action) {
        case 'drop':
          await setState(requestId, decision.state, { reason: decision.reason })
          if (decision.state === 'failed') metrics.failed.inc()
          logger.debug(`request ${requestId}: ${decision.state} (${decision.reason})`)
          tracked.delete(requestId)
          return
        case 'wait':
          t.nextCheck = decision.until ?? 0n
          logger.debug(`request ${requestId}: waiting (${decision.reason})`)
          return
        case 'prove':
          t.mine = true
          return prove(requestId, model, decision.late)
        case 'serve-late':
        case 'lock': {
          if (!t.inputOk) {
            try {
              await verifyRequestInput(request, model.context.model)
              t.inputOk = true
            } catch (error) {
              if (!(error instanceof InputError)) throw error
              await setState(requestId, 'skipped', { reason: error.shortMessage })
              logger.warn(`request ${requestId}: ${error.shortMessage} Not taking it.`)
              tracked.delete(requestId)
              return
            }
          }
          if (decision.action === 'serve-late') {
            logger.info(`request ${requestId}: ${request.locker} missed its lock deadline; answering it for ${decision.payout} wei`)
            return prove(requestId, model, true)
          }
          await setState(requestId, 'locking', { reason: `price ${decision.price} wei` })
          try {
            const tx = await market.lock(BigInt(requestId), request.terms)
            t.lockGas = tx.gasUsed
            t.mine = true
            stake.free -= request.terms.collateral
            await setState(requestId, 'locked', { price: tx.price, txHash: tx.txHash, gas: tx.gasUsed })
            metrics.locked.inc()
            logger.info(`request ${requestId} (${model.name}) locked at ${tx.price} wei`)
            return prove(requestId, model, false)
          } catch (error) {
            // Another prover was first (RequestNotOpen in the simulation, or a revert when its
            // lock landed in the same block), or the deadline or stake moved: re-read it. Only
            // when the chain cannot even be read is this the RPC's failure.
            if (!(error instanceof MarketRefusalError)) await market.requests(BigInt(requestId)).catch(() => Promise.reject(error))
            await setState(requestId, 'seen', { reason: error instanceof GlassboxError ? error.shortMessage : String(error) })
            t.nextCheck = 0n
            logger.debug(`request ${requestId}: lock refused (${error instanceof GlassboxError ? error.shortMessage : String(error)})`)
          }
        }
      }
    }

    let lastBlockWrite = 0
    let readUpTo = -1
    const tick = async () => {
      const head = await chain.provider.getBlockNumber()
      const from = Math.max(firstBlock, Math.max(readUpTo, journal.state.lastBlock) - reorgDepth + 1)
      const events = await readMarketEvents({ market, fromBlock: from, toBlock: head })
      for (const event of events) {
        if (event.name === 'StakeDeposited') {
          const prover = getAddress(event.account!)
          if (!journal.state.provers.has(prover)) await journal.append({ t: 'prover', address: prover })
          continue
        }
        const key = event.requestId!.toString()
        if (event.name === 'Requested' && event.modelId && served.has(event.modelId) && !journal.state.requests.has(key)) {
          tracked.set(key, { model: event.modelId, nextCheck: 0n, attempts: 0, lockGas: 0n, inputOk: false, mine: false })
          await setState(key, 'seen')
          metrics.seen.inc()
        } else if (tracked.has(key)) tracked.get(key)!.nextCheck = 0n
        const mine = journal.state.requests.get(key)
        if (event.name === 'Slashed' && event.account && getAddress(event.account) === me && mine && !mine.slashed) {
          await journal.append({ t: 'slashed', id: key, collateral: String(event.amount ?? 0n), at: new Date().toISOString() })
          metrics.slashed.inc()
          logger.warn(`request ${key}: slashed ${event.amount} wei of collateral (missed its lock deadline)`)
        }
      }
      // The last block read is journaled when events came with it, else once a minute: a
      // restart re-reads at most that far back (and the reorg window), a quiet chain writes little.
      if (head > journal.state.lastBlock && (events.length > 0 || Date.now() - lastBlockWrite > 60_000)) {
        await journal.append({ t: 'block', n: head })
        lastBlockWrite = Date.now()
      }
      readUpTo = head
      metrics.lastBlock.set(head)
      const block = await chain.provider.getBlock(head)
      const chainTime = BigInt(block?.timestamp ?? 0)
      // A chain that mines on demand (anvil) keeps its last block's old timestamp; the next
      // block, where our transaction lands, gets the clock's.
      const clock = BigInt(Math.floor(Date.now() / 1000))
      const now = clock > chainTime ? clock : chainTime
      const gasPrice = (await chain.provider.getFeeData()).gasPrice ?? 0n
      const stake = await market.stakeOf(me)
      metrics.stakeFree.set(Number(stake.free))
      metrics.stakeLocked.set(Number(stake.locked))
      const ids = [...tracked.keys()].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      for (const key of ids) {
        const t = tracked.get(key)
        if (!t || jobs.has(key) || t.nextCheck > now) continue
        try {
          await consider(key, t, now, chainTime, stake, gasPrice)
        } catch (error) {
          // The chain's failures go up (retried with back-off); anything else is this request's own.
          if (error instanceof ChainError || !(error instanceof GlassboxError)) throw error
          await setState(key, 'failed', { reason: error.shortMessage })
          metrics.failed.inc()
          tracked.delete(key)
          logger.warn(`request ${key}: ${error.shortMessage}`)
        }
      }
      if ((parameters.withdrawEverySeconds ?? 3_600) > 0 && Date.now() >= nextWithdraw && !signal?.aborted) {
        nextWithdraw = Date.now() + (parameters.withdrawEverySeconds ?? 3_600) * 1000
        await withdrawEarnings({ market, me, keep: stakeTarget, to: withdrawTo, journal, logger })
      }
    }

    parameters.onReady?.({ address: me, market: market.address, ...(metricsPort !== undefined ? { metricsPort } : {}) })
    logger.info(`node ${me} serving ${models.map((m) => m.name).join(', ')} on market ${market.address} via ${chain.rpcUrl} (cost floor ${priceFloor} wei, ${pricePerSecond} wei/s; stake limit ${maxLocked} locked)`)
    // Stopped and holding nothing: a node that cannot reach its RPC then has nothing to finish.
    const idle = () => jobs.size === 0 && ![...tracked.keys()].some((k) => HOLDING.includes(stateOf(k) ?? 'seen'))
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms)
        wake = () => (clearTimeout(timer), resolve())
      })
    let backoffMs = 1_000
    let failing = false
    let announcedStop = false
    for (;;) {
      if (signal?.aborted && !announcedStop) {
        announcedStop = true
        const holding = [...tracked.keys()].filter((k) => HOLDING.includes(stateOf(k) ?? 'seen'))
        logger.info(`stopping: no new locks${holding.length ? `; finishing ${holding.length} locked request(s) (${holding.join(', ')})` : ''}`)
      }
      try {
        await tick()
        if (failing) logger.info(`RPC at ${chain.rpcUrl} answers again`)
        failing = false
        backoffMs = 1_000
      } catch (error) {
        if (error instanceof ChainError || !(error instanceof GlassboxError)) {
          metrics.rpcErrors.inc()
          const raw = error instanceof GlassboxError ? error.shortMessage : error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
          const why = scrubChainText(raw, { rpcUrls: chain.secretRpcUrls })
          logger.warn(`RPC at ${chain.rpcUrl} is failing (${why}); retrying in ${backoffMs / 1000} s${failing ? '' : ' (the node carries on when it answers)'}`)
          failing = true
          const wait = backoffMs
          backoffMs = Math.min(backoffMs * 2, 30_000)
          if (!(signal?.aborted && idle())) await sleep(wait)
        } else throw error
      }
      if (signal?.aborted && idle()) break
      await sleep(pollMs)
    }
    await Promise.all(jobs.values())
    await journal.append({ t: 'stop', at: new Date().toISOString(), reason: 'signal' })
    return summarizeNodeJournal(journal.state)
  } finally {
    await metrics.close()
    await Promise.all(models.map((m) => m.executor.close().catch(() => undefined)))
    await journal.close()
  }
}
