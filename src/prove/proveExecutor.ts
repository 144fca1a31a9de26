import type { Logger } from '../logger.js'
import type { ProofRecord } from './proofRecord.js'
import type { ProvingArtifacts } from './provingArtifacts.js'

/** One input to prove, as the batch scheduler hands it to an executor. */
export type ProveExecutorTask = {
  id: string
  input: number[]
  /** 1-based line in the inputs file. */
  line: number
  /** SHA-256 of the input's canonical JSON: the record must carry the same. */
  inputSha256: string
  /** Checksummed address the proof is bound to. */
  prover: string
  /** The input's private salt (decimal), when it has one: it travels with the task to the prover, never into a log or record. */
  salt?: string
}

/** A finished task: a record, or why the input could not be proven (after retries). */
export type ProveExecutorResult = { ok: true; record: ProofRecord } | { ok: false; reason: string }

/**
 * Where a batch's proofs are made: the local piscina pool (`createPoolExecutor`,
 * the default) or a BullMQ queue served by `glassbox worker` processes
 * (`createQueueExecutor` in src/queue/). The scheduler streams the inputs,
 * keeps at most `capacity` tasks in flight, and writes every result.
 */
export type ProveExecutor = {
  /** Tasks the scheduler keeps in flight at most (back-pressure). */
  readonly capacity: number
  /** For the summary: what proves, how many workers, prover threads each. */
  readonly backend: string
  readonly workers: number
  readonly threadsPerWorker: number
  /**
   * Proves one input. Resolves with a record or a per-input failure (crashed
   * or hung workers are the executor's to retry); rejects only when `signal`
   * aborts it (its result is then never written).
   */
  run(task: ProveExecutorTask, options: { signal: AbortSignal }): Promise<ProveExecutorResult>
  /** Called once the task's proof or error line is on disk (the queue executor then drops the job's result from Redis). */
  committed?(task: ProveExecutorTask): Promise<void>
  /** Stops the workers (after the tasks in flight settle or were abandoned). */
  close(): Promise<void>
}

/** What an executor factory gets: the checked build artifacts (no proving key in memory) and the verification-key hash. */
export type ProveExecutorContext = { artifacts: ProvingArtifacts; vkeySha256: string; logger: Logger }

export type ProveExecutorFactory = (context: ProveExecutorContext) => Promise<ProveExecutor>
