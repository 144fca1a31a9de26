import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import { shapeSize } from '../model/ir.js'
import { ProveError } from '../errors.js'
import { readInputs } from '../io/readInputs.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { ZERO_ADDRESS, parseProverAddress } from './circuitInput.js'
import type { ProofRecord } from './proofRecord.js'
import { openProofsAppender, recoverProofsFile } from './proofsFile.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import type { ProvingArtifacts } from './provingArtifacts.js'
import { hashInput } from '../compile/poseidonChain.js'
import { checkWeightCommitment } from '../weights/checkWeightCommitment.js'
import { checkResumedWeights } from './checkResumedWeights.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import type { ProveTask, ProveTaskResult, ProveWorkerData } from './proveWorker.js'
import type { BackendChoice, BackendName } from './selectBackend.js'
import { selectBackend, threadsPerWorker } from './selectBackend.js'
import type { WitnessKind } from '../witness/createWitnessCalculator.js'
import { reportNativeWitness } from '../witness/reportNativeWitness.js'

export type BatchProgress = { done: number; total: number; failed: number; skipped: number; last?: { id: string; ms: number; ok: boolean } }

export type ProveBatchParameters = {
  buildDir: string
  /** JSONL of `{"id", "input"}` lines. */
  inputsPath: string
  /** JSONL proofs file; appended to, and read back to resume an interrupted job. */
  outPath: string
  /** Worker threads (default: the machine's cores). Native workers share the cores out (cores / workers prover threads each); snarkjs workers prove single-threaded. */
  workers?: number
  /** `auto` (default): the native prover when its addon is built, snarkjs otherwise. */
  backend?: BackendChoice
  /** Witness generator: `native` (default) uses the build folder's C++ binary once it is built (wasm until then); `wasm` never does. */
  witness?: WitnessKind
  /** The address the proofs are bound to (only it can submit them to the registry). */
  prover?: string
  /** A weight-set file to prove with (committed-weights builds; default: the build's own weights). */
  weightsPath?: string
  logger?: Logger
  onProgress?: (progress: BatchProgress) => void
}

export type ProveBatchReturnType = {
  proven: number
  skipped: number
  failures: { id: string; message: string }[]
  seconds: number
  workers: number
  /** The backend that proved, and its prover threads per worker. */
  backend: BackendName
  threadsPerWorker: number
}

/**
 * Proves every input of a JSONL file over a pool of worker threads, writing
 * each proof as soon as it is made. A killed job, run again with the same
 * arguments, skips the ids already in the proofs file and loses nothing.
 *
 * @throws {ArtifactError} when keys or circuit do not match the manifest (checked before any work).
 * @throws {InputError} for a malformed inputs file (checked before any work).
 */
export async function proveBatch({
  buildDir,
  inputsPath,
  outPath,
  workers = availableParallelism(),
  backend: backendChoice = 'auto',
  witness = 'native',
  prover = ZERO_ADDRESS,
  weightsPath,
  logger = silentLogger,
  onProgress,
}: ProveBatchParameters): Promise<ProveBatchReturnType> {
  const started = Date.now()
  const artifacts = await loadProvingArtifacts(buildDir, weightsPath ? { weightsPath } : {})
  if (weightsPath) {
    await checkWeightCommitment(artifacts.model, artifacts.weights.commitment, { source: weightsPath })
    logger.info(`proving with the weight set ${weightsPath} (commitment ${artifacts.weights.commitment})`)
  }
  const { shape } = artifacts.manifest.input
  const requests = await readInputs(inputsPath, { expectedLength: shapeSize(shape), shapeDescription: `[${shape.join(', ')}]` })
  const proverAddress = parseProverAddress(prover)
  const done = await recoverProofsFile(outPath, logger)
  if (done.size > 0 && artifacts.weights.visibility === 'committed') await checkResumedWeights(outPath, artifacts.weights.commitment)
  const pending = requests.filter((r) => !done.has(r.id))
  const skipped = requests.length - pending.length
  if (skipped) logger.info(`resuming: ${skipped} of ${requests.length} already proven in ${outPath}`)
  const progress: BatchProgress = { done: 0, total: pending.length, failed: 0, skipped }
  onProgress?.({ ...progress })
  const failures: ProveBatchReturnType['failures'] = []
  const backend = selectBackend(backendChoice, { logger })
  if (pending.length === 0) return { proven: 0, skipped, failures, seconds: (Date.now() - started) / 1000, workers: 0, backend, threadsPerWorker: 0 }

  await reportNativeWitness(buildDir, artifacts.manifest, witness, logger)
  const threads = Math.max(1, Math.min(workers, pending.length))
  const proverThreads = threadsPerWorker(backend, threads, availableParallelism())
  logger.debug(`proving with ${threads} ${backend} worker(s) × ${proverThreads} thread(s)`)
  const pool = new Piscina<ProveTask, ProveTaskResult>({
    ...workerEntry(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    // A second task per worker computes the next input's witness while the current proof runs (createProver runs proofs one at a time).
    concurrentTasksPerWorker: pending.length > threads ? 2 : 1,
    workerData: {
      buildDir: resolve(buildDir),
      backend,
      threads: proverThreads,
      witness,
      prover: proverAddress,
      ...(weightsPath ? { weightsPath: resolve(weightsPath), weightsCommitment: artifacts.weights.commitment } : {}),
      // snarkjs's web-worker shim treats any worker thread as one of its own and
      // loads workerData.mod; give it an empty script instead of an error.
      mod: 'data:text/javascript,',
    } satisfies ProveWorkerData & { mod: string },
  })
  const out = await openProofsAppender(outPath)
  // Writes are chained so lines never interleave, in completion order.
  let writes: Promise<void> = Promise.resolve()
  try {
    await Promise.all(
      pending.map(async ({ id, input }) => {
        const result = await pool.run({ id, input })
        const hashProblem = result.ok ? await inputHashProblem(artifacts, input, result.record) : undefined
        if (result.ok && !hashProblem) {
          writes = writes.then(() => out.append(result.record satisfies ProofRecord))
          await writes
          progress.done++
          progress.last = { id, ms: result.record.ms, ok: true }
        } else {
          const message = hashProblem ?? (result.ok ? 'unknown error' : result.error.shortMessage)
          failures.push({ id, message })
          logger.warn(`${id}: ${message}`)
          progress.failed++
          progress.last = { id, ms: 0, ok: false }
        }
        onProgress?.({ ...progress })
      }),
    )
  } catch (cause) {
    throw new ProveError('The proving pool failed.', { details: 'Proofs finished so far are saved; run the same command again to resume.', cause })
  } finally {
    await writes.catch(() => undefined)
    await out.close()
    await pool.destroy()
  }
  return { proven: progress.done, skipped, failures, seconds: (Date.now() - started) / 1000, workers: threads, backend, threadsPerWorker: proverThreads }
}

// Under vitest/tsx the sources are .ts files: the worker then needs tsx's loader.
function workerEntry(): { filename: string; execArgv?: string[] } {
  const self = fileURLToPath(import.meta.url)
  if (self.endsWith('.ts')) return { filename: self.replace(/proveBatch\.ts$/, 'proveWorker.ts'), execArgv: ['--import', 'tsx'] }
  return { filename: self.replace(/proveBatch\.js$/, 'proveWorker.js') }
}

/**
 * The proven input hash must be Poseidon of this input. Checked here, on the
 * main thread, because Poseidon's library cannot be loaded in pool workers
 * (see compile/poseidonChain.ts); the workers check every other signal.
 */
async function inputHashProblem(artifacts: ProvingArtifacts, input: readonly number[], record: ProofRecord): Promise<string | undefined> {
  const slot = artifacts.manifest.publicSignals.find((s) => s.role === 'inputHash')
  if (!slot) return undefined
  const expected = await hashInput(quantizeInput(artifacts.model, input), artifacts.model.input.bits)
  if (BigInt(record.publicSignals[slot.index] ?? -1) === expected) return undefined
  return `the proof's input hash is not Poseidon of this input (a glassbox bug; the proof was not written)`
}
