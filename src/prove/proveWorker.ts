/**
 * Piscina worker: holds one prover (witness calculator + parsed proving key)
 * for the worker's whole life and proves one input per task.
 */
import { workerData } from 'node:worker_threads'
import { GlassboxError, WeightSetError } from '../errors.js'
import type { Prover } from './createProver.js'
import { createProver } from './createProver.js'
import type { ProofRecord } from './proofRecord.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { nativeBackend } from './nativeBackend.js'
import type { ProverBackend } from './proverBackend.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import type { BackendName } from './selectBackend.js'
import { snarkjsBackend } from './snarkjsBackend.js'
import type { WitnessKind } from '../witness/createWitnessCalculator.js'

/** `threads`: prover threads of this worker (native only; snarkjs workers prove single-threaded). */
/** `weightsPath`/`weightsCommitment`: a weight set, its commitment checked by the main thread (workers cannot load Poseidon). */
export type ProveWorkerData = { buildDir: string; backend: BackendName; threads?: number; hTable?: boolean; witness?: WitnessKind; prover: string; weightsPath?: string; weightsCommitment?: string }
/** `prover`: the address this proof is bound to (default: the pool's). */
export type ProveTask = { id: string; input: number[]; prover?: string; salt?: string }
export type ProveTaskResult =
  | { ok: true; record: ProofRecord }
  | { ok: false; id: string; error: { name: string; message: string; shortMessage: string; details?: string } }

let proverPromise: Promise<Prover> | undefined

function getProver(): Promise<Prover> {
  const { buildDir, prover, witness, weightsPath, weightsCommitment } = workerData as ProveWorkerData
  const backend = workerBackend()
  // The native backend reads and checks the key file itself, once per process for all workers.
  proverPromise ??= loadProvingArtifacts(buildDir, { withKey: !backend.loadKeyFile, ...(weightsPath ? { weightsPath } : {}) }).then((artifacts) => {
    // The file may have changed since the main thread checked it: prove only what was checked.
    if (weightsCommitment !== undefined && artifacts.weights.commitment !== weightsCommitment) {
      throw new WeightSetError(`${weightsPath} changed while proving.`, { details: 'Run the same command again (finished proofs are kept).' })
    }
    return createProver(artifacts, backend, { prover, ...(witness ? { witness } : {}), checkInputHash: false })
  })
  return proverPromise
}

function workerBackend(): ProverBackend {
  const { backend, threads = 1, hTable = false } = workerData as ProveWorkerData
  // The pool's thread already loaded the addon; loading it here again only fails if it broke in between.
  const addon = backend === 'native' ? loadNativeAddon() : undefined
  if (!addon) return snarkjsBackend({ singleThread: true })
  return nativeBackend({ addon, threads, hTable })
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
