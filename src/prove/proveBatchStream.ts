import { setMaxListeners } from 'node:events'
import { stat } from 'node:fs/promises'
import { availableParallelism, freemem } from 'node:os'
import { resolve } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import { verifyArtifacts } from '../artifacts/manifest.js'
import { ArtifactError, InputError } from '../errors.js'
import { countLines } from '../io/countLines.js'
import type { JsonlAppender } from '../io/openJsonlAppender.js'
import { openJsonlAppender } from '../io/openJsonlAppender.js'
import { parseInputRecord } from '../io/readInputs.js'
import type { InputRecord } from '../io/readInputs.js'
import { readJsonlLines } from '../io/readJsonlLines.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { shapeSize } from '../model/ir.js'
import type { WitnessKind } from '../witness/createWitnessCalculator.js'
import { ZERO_ADDRESS, parseProverAddress } from './circuitInput.js'
import { createIdIndex } from './createIdIndex.js'
import type { EventChannel as Channel } from './createEventChannel.js'
import { createEventChannel as createChannel } from './createEventChannel.js'
import { DEFAULT_RETRIES, DEFAULT_TASK_TIMEOUT_MS, createPoolExecutor } from './createPoolExecutor.js'
import type { BatchErrorRecord } from './errorsFile.js'
import { errorsPathFor, recoverErrorsFile } from './errorsFile.js'
import { inputSha256 } from './inputSha256.js'
import { inputHashProblem } from './inputHashProblem.js'
import type { ProofRecord } from './proofRecord.js'
import { recoverProofsFile } from './proofsFile.js'
import type { ProveExecutor, ProveExecutorFactory, ProveExecutorTask } from './proveExecutor.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import { checkResumedWeights } from './checkResumedWeights.js'
import { checkWeightCommitment } from '../weights/checkWeightCommitment.js'
import { ResumeMismatchError } from './resumeMismatchError.js'
import type { PoolPlan } from './planPool.js'
import { planPool } from './planPool.js'
import type { BackendChoice, BackendName } from './selectBackend.js'
import { selectBackend } from './selectBackend.js'

export type BatchProgress = {
  /** Proven in this run. */
  done: number
  /** Error lines written in this run. */
  failed: number
  /** Already proven by an earlier run (skipped). */
  skipped: number
  /** Already in the errors file from an earlier run (skipped). */
  alreadyFailed: number
  inFlight: number
  /** Input lines in the file (counted alongside the run; undefined until known). */
  total: number | undefined
  last?: { id: string; ms: number; ok: boolean }
}

export type ProveBatchParameters = {
  buildDir: string
  /** JSONL of `{"id", "input"}` lines, streamed. */
  inputsPath: string
  /** JSONL proofs file; appended to, and read back to resume an interrupted job. */
  outPath: string
  /** JSONL of `{"id", "line", "reason", "kind"}` for inputs that could not be proven (default `<out>.errors.jsonl`). */
  errorsPath?: string
  /**
   * Worker threads. Default: planned by `planPool` — one per core, but no more
   * than inputs left to prove nor than fit in memory with this key. Native
   * workers share the cores out as prover threads; snarkjs workers prove single-threaded.
   */
  workers?: number
  /** `auto` (default): the native prover when its addon is built, snarkjs otherwise. */
  backend?: BackendChoice
  /** Witness generator: `native` (default), glassbox's own; `wasm`, circom's witness wasm. */
  witness?: WitnessKind
  /** The address the proofs are bound to (only it can submit them to the registry). */
  prover?: string
  /** Stop scheduling once this many inputs failed in this run (default: never). */
  maxFailures?: number
  /** A task with no result after this many ms is retried on a fresh worker (default 10 min; 0: no limit). */
  taskTimeoutMs?: number
  /** Attempts after a worker crash or timeout before the input is an error line (default 2). */
  retries?: number
  /** Inputs in flight at most (default: the executor's capacity, 2 × workers + 2 for the local pool). */
  maxInFlight?: number
  /** Stops scheduling. With `abortMode: 'drain'` (default) the tasks in flight finish and are written; `abandon` drops them (they are proven again next run). No line is ever torn. */
  signal?: AbortSignal
  abortMode?: 'drain' | 'abandon'
  /** A weight-set file to prove with (committed-weights builds; default: the build's own weights). */
  weightsPath?: string
  /** Where proofs are made (default: a local pool of `workers` threads). `createQueueExecutor` proves through BullMQ. */
  executor?: ProveExecutorFactory
  logger?: Logger
  onProgress?: (progress: BatchProgress) => void
}

export type ProveBatchReturnType = {
  /** Proven in this run. */
  proven: number
  /** Already proven before this run (kept, not proven again). */
  skipped: number
  /** Error lines written in this run. */
  failed: number
  /** Inputs already in the errors file before this run. */
  alreadyFailed: number
  /** The first 100 failures of this run (all of them are in the errors file). */
  failures: { id: string | null; line: number; message: string }[]
  seconds: number
  /** Proofs of this run per minute of wall time. */
  proofsPerMinute: number
  workers: number
  backend: string
  threadsPerWorker: number
  outPath: string
  errorsPath: string
  /** `complete`: every line settled; `max-failures`: stopped by maxFailures; `aborted`: stopped by the signal. */
  stopped: 'complete' | 'max-failures' | 'aborted'
}

export type BatchEvent =
  | { type: 'proof'; id: string; line: number; record: ProofRecord }
  | { type: 'error'; error: BatchErrorRecord }
  | { type: 'progress'; progress: BatchProgress }
  | { type: 'done'; summary: ProveBatchReturnType }

/**
 * Proves every input of a JSONL file as a stream of events, for long-running
 * services: each proof and error line as it is written, progress, and a last
 * `done` event with the summary (also the generator's return value).
 *
 * Inputs are read line by line and at most `maxInFlight` are in flight, so
 * memory stays flat however long the file. A bad line (not JSON, NaN, wrong
 * length, an id seen on an earlier line) becomes a line of the errors file
 * and the batch goes on. Resuming (the same call after a crash, even kill -9)
 * keeps every proof and error already written, repairs a torn last line, and
 * refuses a proofs file whose records were made with other keys or for other
 * inputs. Leaving the loop early stops the batch like an abort in `drain` mode.
 *
 * @throws {ArtifactError} when keys or circuit do not match the manifest (before any work).
 * @throws {ResumeMismatchError} when the proofs file does not belong to this build or these inputs.
 */
export async function* proveBatchStream(parameters: ProveBatchParameters): AsyncGenerator<BatchEvent, ProveBatchReturnType> {
  const channel = createChannel()
  const internal = new AbortController()
  const signal = parameters.signal ? AbortSignal.any([parameters.signal, internal.signal]) : internal.signal
  const job = runBatch({ ...parameters, signal }, channel)
  job.then(
    (summary) => channel.end(summary),
    (error: unknown) => channel.fail(error),
  )
  let finished = false
  try {
    for (;;) {
      const next = await channel.next()
      if (next.done) {
        finished = true
        return next.value
      }
      yield next.value
    }
  } finally {
    if (!finished) {
      internal.abort()
      await job.catch(() => undefined)
    }
  }
}

async function runBatch(
  {
    buildDir,
    inputsPath,
    outPath,
    errorsPath = errorsPathFor(outPath),
    workers,
    backend: backendChoice = 'auto',
    witness = 'native',
    prover = ZERO_ADDRESS,
    maxFailures = Number.POSITIVE_INFINITY,
    taskTimeoutMs = DEFAULT_TASK_TIMEOUT_MS,
    retries = DEFAULT_RETRIES,
    maxInFlight,
    signal,
    abortMode = 'drain',
    executor: executorFactory,
    weightsPath,
    logger = silentLogger,
  }: ProveBatchParameters & { signal: AbortSignal },
  channel: Channel,
): Promise<ProveBatchReturnType> {
  const started = performance.now()
  const limits = [['workers', workers ?? 1, 1], ['retries', retries, 0], ['taskTimeoutMs', taskTimeoutMs, 0], ['maxFailures', maxFailures, 1], ['maxInFlight', maxInFlight ?? 1, 1]] as const
  for (const [name, value, min] of limits) {
    if (!(value >= min) || (Number.isFinite(value) && !Number.isInteger(value))) {
      throw new InputError(`${name} must be an integer ≥ ${min}, not ${value}.`)
    }
  }
  if (weightsPath && executorFactory) {
    throw new InputError('A weight set (--weights) cannot be proven through a queue yet.', {
      details: 'Queue workers prove the build’s own weights. Prove this weight set with the local pool (drop --queue), or compile the fine-tune as its own build.',
    })
  }
  const artifacts = await loadProvingArtifacts(buildDir, { withKey: false, ...(weightsPath ? { weightsPath } : {}) })
  await verifyArtifacts(buildDir, artifacts.manifest, ['zkey'])
  if (weightsPath) {
    // Recomputed here, on the main thread: proving workers cannot load Poseidon and only compare with this value.
    await checkWeightCommitment(artifacts.model, artifacts.weights.commitment, { source: weightsPath })
    logger.info(`proving with the weight set ${weightsPath} (commitment ${artifacts.weights.commitment})`)
  }
  const vkeySha256 = artifacts.manifest.artifacts['verificationKey']
  if (!vkeySha256) throw new ArtifactError(`${buildDir} has no verification key recorded in its manifest.`, { details: `Run \`glassbox setup ${buildDir}\` first.` })
  const proverAddress = parseProverAddress(prover)
  const { shape } = artifacts.manifest.input
  const parseOptions = { expectedLength: shapeSize(shape), shapeDescription: `[${shape.join(', ')}]` }

  const index = createIdIndex()
  const previousProofs = await recoverProofsFile(outPath, { index, vkeySha256, logger })
  if (previousProofs && artifacts.weights.visibility === 'committed') await checkResumedWeights(outPath, artifacts.weights.commitment)
  const settledAsFailed = await recoverErrorsFile(errorsPath, logger)
  if (previousProofs || settledAsFailed.size) logger.info(`resuming: ${previousProofs} proof(s) in ${outPath}, ${settledAsFailed.size} error line(s) in ${errorsPath}`)

  const progress: BatchProgress = { done: 0, failed: 0, skipped: 0, alreadyFailed: 0, inFlight: 0, total: undefined }
  const failures: ProveBatchReturnType['failures'] = []
  const emitProgress = () => channel.push({ type: 'progress', progress: { ...progress } })
  const total = countLines(inputsPath).then(
    (lines) => ((progress.total = lines), emitProgress(), lines),
    () => undefined,
  )

  // Opened on first use; the promise is kept so that concurrent first writes share one handle.
  let proofsOut: Promise<JsonlAppender> | undefined
  let errorsOut: Promise<JsonlAppender> | undefined
  let executor: ProveExecutor | undefined
  let description = { backend: selectBackend(backendChoice, { logger }) as string, workers: 0, threadsPerWorker: 0 }
  let stopped: ProveBatchReturnType['stopped'] = 'complete'
  let fatal: unknown
  const abandon = new AbortController()
  // Every task in flight listens to it.
  setMaxListeners(0, abandon.signal)
  const onAbort = () => {
    if (stopped === 'complete') stopped = 'aborted'
    if (abortMode === 'abandon') abandon.abort()
    wakeScheduler()
  }
  signal.addEventListener('abort', onAbort, { once: true })

  // Scheduler wake-ups: a finished task, an abort, or the consumer taking events.
  let wakeUp: (() => void) | undefined
  const wakeScheduler = () => {
    wakeUp?.()
    wakeUp = undefined
  }
  const inFlight = new Set<Promise<void>>()
  const halt = () => stopped !== 'complete' || fatal !== undefined

  const writeError = async (error: BatchErrorRecord) => {
    errorsOut ??= openJsonlAppender(errorsPath)
    await (await errorsOut).append(error)
    progress.failed++
    if (failures.length < 100) failures.push({ id: error.id, line: error.line, message: error.reason })
    progress.last = { id: error.id ?? `line ${error.line}`, ms: 0, ok: false }
    logger.warn(`${inputsPath}:${error.line}${error.id !== null ? ` (${error.id})` : ''}: ${error.reason}`)
    channel.push({ type: 'error', error })
    emitProgress()
    if (progress.failed >= maxFailures && stopped === 'complete') stopped = 'max-failures'
  }
  const track = (work: Promise<void>) => {
    const tracked = work
      .catch((error: unknown) => {
        fatal ??= error
      })
      .finally(() => {
        inFlight.delete(tracked)
        wakeScheduler()
      })
    inFlight.add(tracked)
  }

  const prove = async (task: ProveExecutorTask) => {
    progress.inFlight++
    let result
    try {
      result = await executor!.run(task, { signal: abandon.signal })
    } catch (error) {
      if (abandon.signal.aborted) return // abandoned: nothing written, proven again next run
      throw error
    } finally {
      progress.inFlight--
    }
    if (result.ok) {
      const problem = recordProblem(result.record, task, vkeySha256) ?? (await inputHashProblem(artifacts, task.input, result.record, task.salt === undefined ? {} : { salt: BigInt(task.salt) }))
      if (!problem) {
        proofsOut ??= openJsonlAppender(outPath)
        await (await proofsOut).append(result.record)
        progress.done++
        progress.last = { id: task.id, ms: result.record.ms, ok: true }
        channel.push({ type: 'proof', id: task.id, line: task.line, record: result.record })
        emitProgress()
        await executor!.committed?.(task)
        return
      }
      result = { ok: false as const, reason: problem }
    }
    await writeError({ id: task.id, line: task.line, reason: result.reason, kind: 'prove' })
    await executor!.committed?.(task)
  }

  const room = () => inFlight.size < (maxInFlight ?? executor?.capacity ?? 1) && channel.backlog < 64
  try {
    emitProgress()
    for await (const { lineNumber, text } of readJsonlLines(inputsPath)) {
      if (halt()) break
      let record: InputRecord | undefined
      let reason = ''
      try {
        record = parseInputRecord(JSON.parse(text), { ...parseOptions, where: `line ${lineNumber}`, lineNumber })
      } catch (error) {
        reason = error instanceof SyntaxError ? `not valid JSON (${error.message}); NaN and Infinity are not JSON numbers` : error instanceof InputError ? error.shortMessage.replace(/^line \d+: /, '') : String(error)
      }
      const slot = record ? index.add(record.id) : -1
      const entry = record ? index.get(slot) : undefined
      if (settledAsFailed.has(lineNumber)) {
        if (record && !entry!.inputLine) index.setInputLine(slot, lineNumber)
        progress.alreadyFailed++
        continue
      }
      if (!record) {
        track(writeError({ id: idOf(text), line: lineNumber, reason, kind: 'input' }))
        continue
      }
      if (entry!.inputLine) {
        track(writeError({ id: record.id, line: lineNumber, reason: `duplicate id "${record.id}" (first on line ${entry!.inputLine})`, kind: 'duplicate' }))
        continue
      }
      index.setInputLine(slot, lineNumber)
      const hash = inputSha256(record.input, record.salt)
      if (entry!.proofLine) {
        if (entry!.inputHashPrefix !== hash.slice(0, 16)) {
          fatal ??= new ResumeMismatchError(
            `${inputsPath}:${lineNumber}: the input of "${record.id}" is not the one proven on line ${entry!.proofLine} of ${outPath} (input SHA-256 ${hash.slice(0, 16)}…, the proof's ${entry!.inputHashPrefix}…).`,
            { details: `The input changed under the same id, so that proof is not a proof of this input. Give the new input a new id, or write to a new --out file, or delete ${outPath} to prove everything again.` },
          )
          break
        }
        progress.skipped++
        continue
      }
      if (!executor) {
        const plan = executorFactory ? undefined : await planLocalPool({ buildDir, backend: description.backend as BackendName, workers, total, fromLine: lineNumber })
        if (plan) logger.debug(`pool: ${plan.reason}`)
        if (plan?.hTable) logger.info('long batch: the native workers ask for the H query\'s fixed-base table, built once before the first proof when memory allows, and the first proof adds smaller ones for the witness MSMs (seconds; GLASSBOX_NATIVE_TABLE_MIB=0 turns them off)')
        executor = executorFactory
          ? await executorFactory({ artifacts, vkeySha256, logger })
          : createPoolExecutor({
              buildDir,
              workers: plan!.workers,
              threadsPerWorker: plan!.threadsPerWorker,
              hTable: plan!.hTable,
              backend: description.backend as 'native' | 'snarkjs',
              witness,
              prover: proverAddress,
              taskTimeoutMs,
              retries,
              ...(weightsPath ? { weights: { path: resolve(weightsPath), commitment: artifacts.weights.commitment } } : {}),
              logger,
            })
        description = { backend: executor.backend, workers: executor.workers, threadsPerWorker: executor.threadsPerWorker }
        logger.debug(`proving with ${executor.workers} ${executor.backend} worker(s) × ${executor.threadsPerWorker} thread(s), ${maxInFlight ?? executor.capacity} in flight`)
      }
      while (!room() && !halt()) await new Promise<void>((r) => ((wakeUp = r), channel.drained().then(r)))
      if (halt()) break
      track(prove({ id: record.id, input: record.input, line: lineNumber, inputSha256: hash, prover: proverAddress, ...(record.salt ? { salt: record.salt.toString() } : {}) }))
      emitProgress()
    }
    while (inFlight.size) await Promise.race(inFlight)
  } catch (error) {
    fatal ??= error
    abandon.abort()
    while (inFlight.size) await Promise.race(inFlight)
  } finally {
    signal.removeEventListener('abort', onAbort)
    await executor?.close().catch((error: unknown) => logger.warn(`closing the workers: ${String(error)}`))
    await (await proofsOut)?.close()
    await (await errorsOut)?.close()
  }
  if (fatal !== undefined) throw fatal
  const seconds = (performance.now() - started) / 1000
  emitProgress()
  return {
    proven: progress.done,
    skipped: progress.skipped,
    failed: progress.failed,
    alreadyFailed: progress.alreadyFailed,
    failures,
    seconds,
    proofsPerMinute: seconds > 0 ? (progress.done / seconds) * 60 : 0,
    ...description,
    outPath,
    errorsPath,
    stopped,
  }
}

/** A record from a worker must be for this input and these keys (a remote worker could send anything). */
function recordProblem(record: ProofRecord, task: ProveExecutorTask, vkeySha256: string): string | undefined {
  if (record.id !== task.id) return `the worker returned a proof for "${record.id}" (a glassbox bug; nothing was written)`
  if (record.vkeySha256 !== vkeySha256) return `the worker proved with other keys (verification key SHA-256 ${record.vkeySha256}); nothing was written`
  if (record.inputSha256 !== task.inputSha256) return `the worker proved another input (input SHA-256 ${record.inputSha256}); nothing was written`
  return undefined
}

/** The id of a line that failed to parse, when one can be read from it. */
function idOf(text: string): string | null {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null
  } catch {
    const match = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text)
    return match ? match[1]! : null
  }
}

/** How long the pool plan waits for the input count before planning without it. */
const COUNT_WAIT_MS = 250

/**
 * The local pool's workers × threads and H table (see `planPool`), from the
 * inputs left (lines from `fromLine` on: an upper bound, as some may be proven
 * already) when the count arrives in time, the key's size and half the free
 * memory. A count still running after the wait is a file of many inputs (the
 * counter scans hundreds of MB a second).
 */
async function planLocalPool({ buildDir, backend, workers, total, fromLine }: { buildDir: string; backend: BackendName; workers: number | undefined; total: Promise<number | undefined>; fromLine: number }): Promise<PoolPlan> {
  const pending = Symbol('still counting')
  const counted = await Promise.race([total, new Promise<typeof pending>((r) => setTimeout(() => r(pending), COUNT_WAIT_MS).unref())])
  const lines = counted === pending ? undefined : counted
  const keyBytes = (await stat(buildPaths(buildDir).zkey)).size
  return planPool({
    backend,
    cores: availableParallelism(),
    keyBytes,
    memoryBytes: freemem() / 2,
    ...(lines !== undefined ? { inputs: Math.max(1, lines - fromLine + 1) } : { manyInputs: counted === pending }),
    ...(workers !== undefined ? { workers } : {}),
  })
}
