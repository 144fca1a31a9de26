import type { Logger } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'

/** What the caller asks for: `auto` (the default) is native when the addon is built, snarkjs otherwise. */
export type BackendChoice = 'auto' | 'native' | 'snarkjs'
export type BackendName = 'native' | 'snarkjs'

/**
 * Resolves a backend choice to the backend that will run. A missing or
 * unloadable native addon falls back to snarkjs with one warning line (also
 * when `native` was asked for explicitly: proving still works, only slower).
 */
export function selectBackend(choice: BackendChoice = 'auto', { logger }: { logger?: Logger } = {}): BackendName {
  switch (choice) {
    case 'snarkjs':
      return 'snarkjs'
    case 'native':
    case 'auto':
      return loadNativeAddon(logger ? { logger } : {}) ? 'native' : 'snarkjs'
    default:
      choice satisfies never
      throw new Error(`unknown backend ${String(choice)}`)
  }
}

/**
 * Prover threads per pool worker: rayon pools are per prover, so the cores
 * are shared out and workers × threads never exceeds them. snarkjs workers
 * prove single-threaded.
 */
export function threadsPerWorker(backend: BackendName, workers: number, cores: number): number {
  return backend === 'native' ? Math.max(1, Math.floor(cores / Math.max(1, workers))) : 1
}
