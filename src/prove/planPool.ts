import type { BackendName } from './selectBackend.js'
import { threadsPerWorker } from './selectBackend.js'

export type PlanPoolParameters = {
  backend: BackendName
  /** Cores this process may use (`os.availableParallelism()`). */
  cores: number
  /** Inputs left to prove, when known (an upper bound is fine). */
  inputs?: number
  /** Without `inputs`: whether the count is known to be large (still counting a big file). */
  manyInputs?: boolean
  /** Size of the proving key file (`circuit.zkey`). */
  keyBytes: number
  /** Memory the pool may take (e.g. half of `os.freemem()`). */
  memoryBytes: number
  /** Workers the user asked for: then only the threads are planned. */
  workers?: number
}

export type PoolPlan = {
  workers: number
  threadsPerWorker: number
  /**
   * Whether the native workers ask for the H query's fixed-base table (built
   * once per process on every core, within the addon's memory budget): only
   * for batches long enough to pay back its build.
   */
  hTable: boolean
  /** One line on why, for the debug log. */
  reason: string
}

/**
 * Native workers share one mapping of the key (its points are read in place,
 * from the page cache); a worker's proof holds its FFT and MSM buffers and the
 * pages of the one query it is summing: less than the key file's size (LeNet-5,
 * a 55 MiB key: 2 one-thread workers peak at 98 MiB, the whole process), plus a
 * fixed part for the runtime and the witness calculator.
 */
const NATIVE_BYTES_PER_KEY_BYTE = 1
const WORKER_BASE_BYTES = 64 * 2 ** 20
/** snarkjs parses the key into JS objects per proof: it needs more per key byte. */
const SNARKJS_BYTES_PER_KEY_BYTE = 5

/**
 * Inputs from which a native pool builds the H query's fixed-base table. On
 * LeNet-5 (2 cores, bench:rapidsnark) the table takes 4 s to build on both
 * cores and saves 30–130 ms a proof as 2 one-thread workers, so it pays back
 * after 30–120 proofs; twice the worst of that keeps a short batch from
 * paying for it. GLASSBOX_NATIVE_TABLE_MIB, when set, overrides this either way.
 */
export const H_TABLE_MIN_INPUTS = 256

/**
 * How much of a doubling of a native prover's threads one proof gets: LeNet-5
 * on 2 cores (bench:rapidsnark, 2026-12-02) proves in 668 ms with 2 threads,
 * where two 1-thread workers side by side take 618 ms a proof: 0.925.
 */
export const THREAD_EFFICIENCY = 0.925

/**
 * Workers × prover threads for a batch. More workers beat more threads per
 * worker whenever there are inputs for all of them: one proof's MSMs and FFTs
 * scale with threads less well than separate proofs do (`THREAD_EFFICIENCY`),
 * and each worker overlaps its next witness with its current proof. Measured
 * on LeNet-5 (2^17, 64 proofs, 2 cores; bench:batch): 59.7 proofs/min as two
 * 1-thread workers, 50.8 as one 2-thread worker, 32.8 on one core. But a
 * short batch that does not share out evenly is faster with fewer, wider
 * workers: 3 proofs on 2 one-thread workers take two proofs' time on one of
 * them (2 × 1.0), on one 2-thread worker 3 × 0.54. So the native pool takes
 * the worker count whose batch ends first — ⌈inputs / workers⌉ proofs of a
 * worker, each 1 / (threads · efficiency) of a one-thread proof — the most
 * workers on a tie; never more than fit in memory (big keys get fewer
 * workers with more threads each). Without a count, one per core. snarkjs
 * workers prove single-threaded: one per input, up to the cores.
 */
export function planPool({ backend, cores, inputs, manyInputs = false, keyBytes, memoryBytes, workers }: PlanPoolParameters): PoolPlan {
  const available = Math.max(1, Math.floor(cores))
  const perWorker = WORKER_BASE_BYTES + keyBytes * (backend === 'native' ? NATIVE_BYTES_PER_KEY_BYTE : SNARKJS_BYTES_PER_KEY_BYTE)
  const threadsFor = (n: number) => threadsPerWorker(backend, n, available)
  const hTable = backend === 'native' && (inputs !== undefined ? inputs >= H_TABLE_MIN_INPUTS : manyInputs)
  const table = hTable ? `; H table (${inputs ?? 'a file still being counted: many'} inputs, ≥ ${H_TABLE_MIN_INPUTS})` : ''
  if (workers !== undefined) return { workers, threadsPerWorker: threadsFor(workers), hTable, reason: `${workers} worker(s) as asked${table}` }
  const fitMemory = Math.max(1, Math.floor(memoryBytes / perWorker))
  const fitInputs = inputs === undefined ? available : Math.max(1, inputs)
  const most = Math.min(available, fitInputs, fitMemory)
  const chosen = backend === 'native' && inputs !== undefined ? fastestWorkers(Math.max(1, inputs), most, threadsFor) : most
  const limit =
    chosen < most
      ? `${inputs} input(s) end sooner on ${chosen} wider worker(s) than on ${most}`
      : chosen === available
        ? `one per core (${available})`
        : chosen === fitInputs
          ? `no more than the ${fitInputs} input(s) left`
          : `${fitMemory} fit in ${mib(memoryBytes)} MiB at about ${mib(perWorker)} MiB each`
  return { workers: chosen, threadsPerWorker: threadsFor(chosen), hTable, reason: `${chosen} ${backend} worker(s) × ${threadsFor(chosen)} thread(s): ${limit}${table}` }
}

/** The worker count (1..most) whose batch of `inputs` ends first, in one-thread proof times; the most workers on a tie. */
function fastestWorkers(inputs: number, most: number, threadsFor: (workers: number) => number): number {
  let best = most
  let bestTime = Number.POSITIVE_INFINITY
  for (let workers = most; workers >= 1; workers--) {
    const threads = threadsFor(workers)
    const time = Math.ceil(inputs / workers) / (threads * THREAD_EFFICIENCY ** Math.log2(threads))
    if (time < bestTime - 1e-9) {
      best = workers
      bestTime = time
    }
  }
  return best
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20)
}
