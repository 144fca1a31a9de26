import { ProveError } from '../errors.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import type { ProverBackend } from './proverBackend.js'

export type SnarkjsBackendOptions = {
  /** Prove on this thread only (for pool workers, so threads never exceed cores). */
  singleThread?: boolean
}

/** snarkjs and its curve library are 190 modules: loaded only by a worker that proves with them, not by every native worker. */
const loadSnarkjs = () => import('snarkjs')

/** The portable backend: snarkjs's Groth16 prover (WebAssembly). */
export function snarkjsBackend({ singleThread = false }: SnarkjsBackendOptions = {}): ProverBackend {
  let zkey: Uint8Array | undefined
  return {
    name: 'snarkjs',
    checksProofs: false,
    async loadKey(bytes) {
      zkey = bytes
      if (singleThread) await pinSingleThreadCurve()
    },
    async prove(witness) {
      if (!zkey) throw new ProveError('snarkjs backend: no proving key loaded.')
      try {
        return await (await loadSnarkjs()).groth16.prove({ type: 'mem', data: zkey }, { type: 'mem', data: witness })
      } catch (cause) {
        throw new ProveError('snarkjs could not prove this witness.', {
          details: `${cause instanceof Error ? cause.message : String(cause)}. The proving key may not belong to this circuit: rerun \`glassbox setup\`.`,
          cause,
        })
      }
    },
    async close() {
      await releaseSnarkjs()
    },
  }
}

type CurveHolder = { curve_bn128?: { terminate(): Promise<void> } | null }

/**
 * snarkjs rebuilds (and recompiles) the bn128 wasm curve for every proof when
 * asked for a single thread, which costs about as much as a small proof.
 * Build one single-threaded curve per thread instead and install it where
 * snarkjs looks for its cached curve, so every later proof reuses it and still
 * runs on this thread only.
 */
async function pinSingleThreadCurve(): Promise<void> {
  const holder = globalThis as CurveHolder
  if (holder.curve_bn128) return
  holder.curve_bn128 = await (await loadSnarkjs()).curves.getCurveFromName('bn128', { singleThread: true })
}
