/**
 * Piscina worker: holds one prover (witness calculator + parsed proving key)
 * for the worker's whole life and proves one input per task.
 */
import { workerData } from 'node:worker_threads'
import { GlassboxError } from '../errors.js'
import type { Prover } from './createProver.js'
import { createProver } from './createProver.js'
import type { ProofRecord } from './proofRecord.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import { snarkjsBackend } from './snarkjsBackend.js'

export type ProveWorkerData = { buildDir: string; backend: 'snarkjs'; prover: string }
export type ProveTask = { id: string; input: number[] }
export type ProveTaskResult =
  | { ok: true; record: ProofRecord }
  | { ok: false; id: string; error: { name: string; message: string; shortMessage: string; details?: string } }

let proverPromise: Promise<Prover> | undefined

function getProver(): Promise<Prover> {
  const { buildDir, prover } = workerData as ProveWorkerData
  proverPromise ??= loadProvingArtifacts(buildDir).then((artifacts) => createProver(artifacts, snarkjsBackend({ singleThread: true }), { prover }))
  return proverPromise
}

export default async function proveTask(task: ProveTask): Promise<ProveTaskResult> {
  try {
    const prover = await getProver()
    return { ok: true, record: await prover.proveOne(task) }
  } catch (error) {
    // Errors lose their class crossing threads: send the parts the caller reports.
    const e = error instanceof Error ? error : new Error(String(error))
    return {
      ok: false,
      id: task.id,
      error: {
        name: e.name,
        message: e.message,
        shortMessage: e instanceof GlassboxError ? e.shortMessage : e.message,
        ...(e instanceof GlassboxError && e.details ? { details: e.details } : {}),
      },
    }
  }
}
