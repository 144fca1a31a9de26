import { readFile } from 'node:fs/promises'
import { Job, Queue, QueueEvents } from 'bullmq'
import { buildPaths } from '../artifacts/buildPaths.js'
import { verifyArtifacts } from '../artifacts/manifest.js'
import { checkProofRecord } from '../verify/checkProofRecord.js'
import type { Logger } from '../logger.js'
import type { ProofRecord } from '../prove/proofRecord.js'
import type { ProveExecutor, ProveExecutorFactory, ProveExecutorResult, ProveExecutorTask } from '../prove/proveExecutor.js'
import { createGroth16Verifier } from '../snark/createGroth16Verifier.js'
import { publishBuild } from './publishBuild.js'
import { QueueError } from './queueError.js'
import { QUEUE_PREFIX, jobIdFor, queueNameFor } from './queueNames.js'
import { rawRedis } from './rawRedis.js'
import { redactRedisUrl, redisConnection } from './redisConnection.js'

/** The data of one BullMQ job: the executor's task (the input, its line and hash, the prover address). */
export type ProveJobData = ProveExecutorTask

export type CreateQueueExecutorParameters = {
  /** redis://[user:password@]host:port[/db] */
  url: string
  buildDir: string
  /** Artifact bytes published into Redis at most (default 64 MiB). */
  publishLimitBytes?: number
  /** Verify every proof a worker returns before writing it (default true: a worker is another machine), natively when the addon is built. */
  verifyResults?: boolean
  logger?: Logger
}

/** How often a waiting task looks at its job's state itself, in case an event was missed while Redis was away. */
const POLL_MS = 2000

/**
 * The producer side of proving through BullMQ: publishes the build (see
 * `publishBuild`), then each task becomes a job with the input id as its job
 * id on the build's own queue (named by the verification-key hash), so adding
 * it again on a rerun is a no-op and a result computed while the producer was
 * down is collected, not recomputed. The batch scheduler around it is the
 * local one: the same streaming, errors file and resume checks. A finished
 * job is removed once its line is on disk. Every returned proof is checked
 * (id, input hash, keys, outputs against public signals, and the Groth16
 * proof itself) before it is written.
 */
export function createQueueExecutor({ url, buildDir, publishLimitBytes, verifyResults = true, logger: ownLogger }: CreateQueueExecutorParameters): ProveExecutorFactory {
  return async ({ artifacts, vkeySha256, logger: batchLogger }): Promise<ProveExecutor> => {
    const logger = ownLogger ?? batchLogger
    const { connection, reportError } = redisConnection(url, logger)
    const name = queueNameFor(vkeySha256)
    await verifyArtifacts(buildDir, artifacts.manifest, ['verificationKey'])
    const verificationKey = JSON.parse(await readFile(buildPaths(buildDir).verificationKey, 'utf8')) as unknown
    const verifier = createGroth16Verifier({ verificationKey, logger })
    const queue = new Queue<ProveJobData, ProveExecutorResult>(name, { connection, prefix: QUEUE_PREFIX })
    queue.on('error', reportError)
    const events = new QueueEvents(name, { connection, prefix: QUEUE_PREFIX })
    events.on('error', reportError)
    const waiters = new Map<string, () => void>()
    const wake = ({ jobId }: { jobId: string }) => waiters.get(jobId)?.()
    events.on('completed', wake)
    events.on('failed', wake)
    try {
      const client = await rawRedis(queue)
      await publishBuild(client, { buildDir, manifest: artifacts.manifest, vkeySha256, ...(publishLimitBytes !== undefined ? { publishLimitBytes } : {}), logger })
      await events.waitUntilReady()
    } catch (cause) {
      await Promise.allSettled([events.close(), queue.close()])
      throw new QueueError(`Cannot use the queue at ${redactRedisUrl(url)}.`, { details: `${cause instanceof Error ? cause.message : String(cause)}. Check that Redis runs there and is reachable.`, cause })
    }
    logger.info(`queue ${QUEUE_PREFIX}:${name} on ${redactRedisUrl(url)}: start \`glassbox worker --queue ${redactRedisUrl(url)}\` on any machine to prove`)

    const enqueue = async (task: ProveExecutorTask) => {
      const jobId = jobIdFor(task.id)
      const options = { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false }
      let job = await queue.add('prove', task, options)
      if (job.data.inputSha256 === task.inputSha256 && job.data.prover === task.prover) return job
      // A job left by an earlier run for another input (or prover) under this id.
      const state = await job.getState()
      if (state === 'active') {
        throw new QueueError(`A worker is proving another input under the id "${task.id}" (job ${jobId} on ${name}).`, { details: 'Wait until it finishes, then rerun; or give the input a new id.' })
      }
      await job.remove()
      job = await queue.add('prove', task, options)
      return job
    }

    const settle = async (jobId: string, task: ProveExecutorTask, signal: AbortSignal): Promise<ProveExecutorResult> => {
      for (;;) {
        if (signal.aborted) throw signal.reason ?? new Error('aborted')
        const job = await Job.fromId<ProveJobData, ProveExecutorResult>(queue, jobId)
        if (!job) {
          // Removed meanwhile (by hand, or by eviction): add it again.
          await enqueue(task)
          continue
        }
        if (job.finishedOn) {
          if (job.failedReason) return { ok: false, reason: `the queue gave up on it: ${job.failedReason}` }
          return checkResult(job.returnvalue, task)
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer)
            waiters.delete(jobId)
            signal.removeEventListener('abort', done)
            resolve()
          }
          const timer = setTimeout(done, POLL_MS)
          waiters.set(jobId, done)
          signal.addEventListener('abort', done, { once: true })
        })
      }
    }

    const checkResult = async (result: ProveExecutorResult | null | undefined, task: ProveExecutorTask): Promise<ProveExecutorResult> => {
      if (!result || typeof result !== 'object' || typeof result.ok !== 'boolean') return { ok: false, reason: 'the worker returned no result (a glassbox bug)' }
      if (!result.ok) return { ok: false, reason: String(result.reason) }
      const record = result.record as ProofRecord
      const problem = await recordProblem(record)
      return problem ? { ok: false, reason: `${problem} (the proof from the worker was not written)` } : { ok: true, record }
    }

    // The scheduler checks id, keys and input hash; here the rest of what a remote machine could get
    // wrong: every claim of the record (outputs, floats, class, weights) against its public signals.
    const recordProblem = async (record: ProofRecord): Promise<string | undefined> => {
      if (!Array.isArray(record.publicSignals) || !Array.isArray(record.outputQ) || !Array.isArray(record.output)) return 'the record is malformed'
      const problems = checkProofRecord(record, { manifest: artifacts.manifest, vkeySha256 })
      if (problems.length > 0) return problems.join('; ')
      if (verifyResults && !(await proofVerifies(record))) return 'the Groth16 proof does not verify'
      return undefined
    }
    const proofVerifies = (record: ProofRecord): Promise<boolean> => verifier.verify(record.proof, record.publicSignals).catch(() => false)
    return {
      capacity: 64,
      backend: 'queue',
      workers: 0,
      threadsPerWorker: 0,
      async run(task, { signal }) {
        const job = await enqueue(task)
        return settle(job.id!, task, signal)
      },
      async committed(task) {
        await queue.remove(jobIdFor(task.id)).catch((error: unknown) => logger.debug(`could not remove job of ${task.id}: ${String(error)}`))
      },
      async close() {
        await Promise.allSettled([events.close(), queue.close()])
        await verifier.close()
      },
    }
  }
}
