import * as snarkjs from 'snarkjs'
import { ProveError } from '../errors.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import type { ProverBackend } from './proverBackend.js'

export type SnarkjsBackendOptions = {
  /** Prove on this thread only (for pool workers, so threads never exceed cores). */
  singleThread?: boolean
}

/** The portable backend: snarkjs's Groth16 prover (WebAssembly). */
export function snarkjsBackend({ singleThread = false }: SnarkjsBackendOptions = {}): ProverBackend {
  let zkey: Uint8Array | undefined
  return {
    name: 'snarkjs',
    async loadKey(bytes) {
      zkey = bytes
    },
    async prove(witness) {
      if (!zkey) throw new ProveError('snarkjs backend: no proving key loaded.')
      try {
        return await snarkjs.groth16.prove({ type: 'mem', data: zkey }, { type: 'mem', data: witness }, undefined, { singleThread })
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
