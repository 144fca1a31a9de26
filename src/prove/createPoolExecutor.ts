import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { bundledEntry } from '../bundledEntry.js'
import { packagePath } from '../packageRoot.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { ProveExecutor, ProveExecutorResult, ProveExecutorTask } from './proveExecutor.js'
import type { ProveTask, ProveTaskResult, ProveWorkerData } from './proveWorker.js'
import type { BackendName } from './selectBackend.js'
import { threadsPerWorker } from './selectBackend.js'
import type { WitnessKind } from '../witness/createWitnessCalculator.js'

export type CreatePoolExecutorParameters = {
  buildDir: string
  /** Worker threads. */
  workers: number
  /** Prover threads per native worker (default: the cores shared out, see `threadsPerWorker`). */
  threadsPerWorker?: number
  /** Native workers ask for the H query's fixed-base table (a long batch; see `planPool`). */
  hTable?: boolean
  /** The backend that runs (already resolved, see `selectBackend`). */
  backend: BackendName
  witness?: WitnessKind
  /** Checksummed address the proofs are bound to, unless a task names its own. */
  prover: string
  /** A task with no result after this many ms has its worker terminated and replaced, and is retried (0: no limit). */
  taskTimeoutMs?: number
  /** Further attempts after a worker crashed or hung on a task; then the task fails. */
  retries?: number
  logger?: Logger
  /** A weight set to prove with (committed-weights builds): its file, and the commitment the main thread checked. */
  weights?: { path: string; commitment: string }
  /** The worker script (default: proveWorker). Tests pass one that crashes or hangs. */
  filename?: string
}

/** Default per-task limit: far above any proof glassbox makes on a small machine, yet a hung worker does not stall a batch for ever. */
export const DEFAULT_TASK_TIMEOUT_MS = 10 * 60_000
export const DEFAULT_RETRIES = 2

/**
 * The local executor: a piscina pool of proving threads (each holds its
 * witness calculator and its prover of the key). Two tasks per worker so the next
 * witness is computed while a proof runs. A worker that exits (a crash) is
 * replaced by piscina; one that runs past `taskTimeoutMs` is terminated and
 * replaced; either way its task is tried again up to `retries` times, then
 * reported as failed. A proving error that is the input's own (the circuit
 * rejects it) is not retried: it would fail the same way.
 */
export function createPoolExecutor({
  buildDir,
  workers,
  threadsPerWorker: plannedThreads,
  hTable = false,
  backend,
  witness = 'native',
  prover,
  taskTimeoutMs = DEFAULT_TASK_TIMEOUT_MS,
  retries = DEFAULT_RETRIES,
  logger = silentLogger,
  filename,
  weights,
}: CreatePoolExecutorParameters): ProveExecutor {
  const proverThreads = plannedThreads ?? threadsPerWorker(backend, workers, availableParallelism())
  const perWorker = 2
  const pool = new Piscina<ProveTask, ProveTaskResult>({
    ...(filename ? { filename, ...(filename.endsWith('.ts') ? { execArgv: ['--import', 'tsx'] } : {}) } : workerEntry()),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: perWorker,
    workerData: {
      buildDir: resolve(buildDir),
      backend,
      threads: proverThreads,
      hTable,
      witness,
      prover,
      ...(weights ? { weightsPath: weights.path, weightsCommitment: weights.commitment } : {}),
      // snarkjs's web-worker shim treats any worker thread as one of its own and
      // loads workerData.mod; give it an empty script instead of an error.
      mod: 'data:text/javascript,',
    } satisfies ProveWorkerData & { mod: string },
  })
  // Tasks are handed to piscina only when a worker can take them, so the timeout clock starts at dispatch, not in piscina's queue.
  const slots = workers * perWorker
  let running = 0
  const waiting: (() => void)[] = []
  const acquire = async () => {
    while (running >= slots) await new Promise<void>((r) => waiting.push(r))
    running++
  }
  const release = () => {
    running--
    waiting.shift()?.()
  }

  const attempt = async (task: ProveExecutorTask, signal: AbortSignal): Promise<ProveTaskResult | { crashed: string }> => {
    await acquire()
    const controller = new AbortController()
    let timedOut = false
    const timer = taskTimeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), taskTimeoutMs) : undefined
    const onAbort = () => controller.abort()
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      if (signal.aborted) throw signal.reason ?? new Error('aborted')
      return await pool.run({ id: task.id, input: task.input, prover: task.prover, ...(task.salt === undefined ? {} : { salt: task.salt }) }, { signal: controller.signal })
    } catch (error) {
      if (signal.aborted) throw error
      if (timedOut) return { crashed: `no result after ${taskTimeoutMs} ms (worker terminated and replaced)` }
      return { crashed: `the worker stopped (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` }
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      release()
    }
  }

  return {
    capacity: 2 * workers + 2,
    backend,
    workers,
    threadsPerWorker: proverThreads,
    async run(task, { signal }): Promise<ProveExecutorResult> {
      let last = ''
      for (let n = 1; n <= retries + 1; n++) {
        const result = await attempt(task, signal)
        if ('crashed' in result) {
          last = result.crashed
          logger.warn(`${task.id}: ${last}${n <= retries ? `; retrying (${n} of ${retries + 1} attempts made)` : ''}`)
          continue
        }
        if (result.ok) return { ok: true, record: result.record }
        return { ok: false, reason: result.error.details ? `${result.error.shortMessage} ${result.error.details}` : result.error.shortMessage }
      }
      return { ok: false, reason: `${last}; gave up after ${retries + 1} attempts` }
    },
    async close() {
      await pool.destroy()
    },
  }
}

// Under vitest/tsx the sources are .ts files: the worker then needs tsx's loader. Built, the worker
// is the bundled one (a thread then loads a few files, not two hundred: see scripts/bundle-cli.mjs)
// unless that bundle is stale, see bundledEntry.
function workerEntry(): { filename: string; execArgv?: string[] } {
  const self = fileURLToPath(import.meta.url)
  if (self.endsWith('.ts')) return { filename: self.replace(/createPoolExecutor\.ts$/, 'proveWorker.ts'), execArgv: ['--import', 'tsx'] }
  return { filename: bundledEntry('proveWorker') ?? packagePath('dist', 'prove', 'proveWorker.js') }
}
