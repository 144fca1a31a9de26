import { setMaxListeners } from 'node:events'
import { availableParallelism, homedir } from 'node:os'
import { join } from 'node:path'
import { Queue, Worker } from 'bullmq'
import { InputError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { createPoolExecutor } from '../prove/createPoolExecutor.js'
import type { ProveExecutor, ProveExecutorResult } from '../prove/proveExecutor.js'
import type { BackendChoice } from '../prove/selectBackend.js'
import { selectBackend } from '../prove/selectBackend.js'
import type { WitnessKind } from '../witness/createWitnessCalculator.js'
import type { BuildDescriptor } from './buildDescriptor.js'
import type { ProveJobData } from './createQueueExecutor.js'
import { fetchBuild } from './fetchBuild.js'
import { BUILDS_KEY, QUEUE_PREFIX, buildKeyFor, queueNameFor } from './queueNames.js'
import { rawRedis } from './rawRedis.js'
import { redactRedisUrl, redisConnection } from './redisConnection.js'

export type RunQueueWorkerParameters = {
  /** redis://[user:password@]host:port[/db] */
  url: string
  /** Proving threads of this machine's pool (default: its cores). */
  workers?: number
  backend?: BackendChoice
  witness?: WitnessKind
  /** Where builds fetched from Redis are kept (default ~/.cache/glassbox/builds). */
  buildCacheDir?: string
  /**
   * How long a job's lock lasts without renewal (default 20 s). The lock is
   * renewed every half of it by this process's main thread, which never
   * proves (proofs run on pool threads and the native prover's own threads),
   * so a long proof keeps its lock; only a dead or frozen process loses it.
   */
  lockDurationMs?: number
  /** How often this worker looks for jobs whose lock expired, to put them back (default 10 s). */
  stalledIntervalMs?: number
  /** Times a job may be taken back from a dead worker before it fails (default 2). */
  maxStalledCount?: number
  taskTimeoutMs?: number
  retries?: number
  logger?: Logger
  /** Stops taking jobs; the jobs in flight finish first. */
  signal?: AbortSignal
  /** Called when a build's queue is being served. */
  onServing?: (build: { name: string; vkeySha256: string; buildDir: string }) => void
}

/** How often the worker looks for newly published builds. */
const DISCOVER_MS = 2000

/**
 * Serves every build published to this Redis (`glassbox prove --queue`):
 * fetches each build by content hash (checked against its manifest), starts a
 * local proving pool for it and takes its jobs, as many at a time as the pool
 * has slots. A worker killed mid-job loses nothing: its jobs' locks expire
 * and another worker takes them up (BullMQ's stalled-job check). Resolves
 * after `signal` aborts and the jobs in flight are done.
 */
export async function runQueueWorker({
  url,
  workers = availableParallelism(),
  backend: backendChoice = 'auto',
  witness = 'native',
  buildCacheDir = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'glassbox', 'builds'),
  lockDurationMs = 20_000,
  stalledIntervalMs = 10_000,
  maxStalledCount = 2,
  taskTimeoutMs,
  retries,
  logger = silentLogger,
  signal,
  onServing,
}: RunQueueWorkerParameters): Promise<void> {
  for (const [name, value, min] of [['workers', workers, 1], ['lockDurationMs', lockDurationMs, 1000], ['stalledIntervalMs', stalledIntervalMs, 100], ['maxStalledCount', maxStalledCount, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new InputError(`${name} must be an integer ≥ ${min}, not ${value}.`)
  }
  const { connection, reportError } = redisConnection(url, logger)
  const backend = selectBackend(backendChoice, { logger })
  // A queue handle only for its Redis client: the build registry is plain keys.
  const registry = new Queue('registry', { connection, prefix: QUEUE_PREFIX })
  registry.on('error', reportError)
  const client = await rawRedis(registry)
  const serving = new Map<string, { worker: Worker; executor: ProveExecutor }>()
  const refused = new Map<string, string>()
  logger.info(`worker on ${redactRedisUrl(url)}: ${workers} ${backend} thread(s), builds cached in ${buildCacheDir}`)

  const serve = async (vkeySha256: string) => {
    const text = await client.get(buildKeyFor(vkeySha256))
    if (!text) return
    const descriptor = JSON.parse(text) as BuildDescriptor
    const buildDir = await fetchBuild(client, descriptor, { cacheDir: buildCacheDir, logger })
    const executor = createPoolExecutor({ buildDir, workers, backend, witness, prover: '0x0000000000000000000000000000000000000000', logger, ...(taskTimeoutMs !== undefined ? { taskTimeoutMs } : {}), ...(retries !== undefined ? { retries } : {}) })
    const abandon = new AbortController()
    setMaxListeners(0, abandon.signal)
    const worker = new Worker<ProveJobData, ProveExecutorResult>(
      queueNameFor(vkeySha256),
      async (job) => {
        logger.debug(`proving ${job.data.id} (line ${job.data.line})`)
        const result = await executor.run(job.data, { signal: abandon.signal })
        logger.debug(`${job.data.id}: ${result.ok ? `proved in ${result.record.ms} ms` : `failed: ${result.reason}`}`)
        return result
      },
      { connection, prefix: QUEUE_PREFIX, concurrency: workers * 2, lockDuration: lockDurationMs, stalledInterval: stalledIntervalMs, maxStalledCount },
    )
    worker.on('error', reportError)
    serving.set(vkeySha256, { worker, executor })
    const name = (JSON.parse(descriptor.manifest) as { name: string }).name
    logger.info(`serving build ${name} (${vkeySha256.slice(0, 16)}…) from ${buildDir}`)
    onServing?.({ name, vkeySha256, buildDir })
  }

  const discover = async () => {
    for (const vkeySha256 of await client.smembers(BUILDS_KEY)) {
      if (serving.has(vkeySha256)) continue
      try {
        await serve(vkeySha256)
        refused.delete(vkeySha256)
      } catch (error) {
        const message = error instanceof Error ? error.message.replace(/\n/g, ' ') : String(error)
        if (refused.get(vkeySha256) !== message) logger.warn(`cannot serve build ${vkeySha256.slice(0, 16)}…: ${message}`)
        refused.set(vkeySha256, message)
      }
    }
  }

  try {
    while (!signal?.aborted) {
      await discover().catch(reportError)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, DISCOVER_MS)
        signal?.addEventListener('abort', done, { once: true })
      })
    }
  } finally {
    logger.info('worker stopping: finishing the jobs in flight')
    await Promise.allSettled([...serving.values()].map(({ worker }) => worker.close()))
    await Promise.allSettled([...serving.values()].map(({ executor }) => executor.close()))
    await registry.close()
  }
}
