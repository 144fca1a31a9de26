import type { Groth16ProofJson as Groth16Proof } from '../snark/groth16Proof.js'
import { readFile } from 'node:fs/promises'
import { ArtifactError, ProveError } from '../errors.js'
import type { NativeAddon, NativeProver } from '../native/loadNativeAddon.js'
import type { ProverBackend } from './proverBackend.js'

export type NativeBackendOptions = {
  /** The loaded addon (see `loadNativeAddon`). */
  addon: NativeAddon
  /** Threads of this prover's own pool; workers × threads should not exceed the cores. */
  threads?: number
  /**
   * Ask for the H query's fixed-base table when the key file is loaded (a long batch): the
   * addon builds it once per process on every core within its memory budget (`auto`);
   * GLASSBOX_NATIVE_TABLE_MIB, when set, decides instead.
   */
  hTable?: boolean
  /**
   * The zkey's SHA-256 as recorded in the manifest at setup. The addon checks
   * the bytes against it and then skips the per-point checks; without it every
   * point of the key is checked (slower for large keys).
   */
  zkeySha256?: string
}

/**
 * The native backend: the Rust addon's Groth16 prover (BN254, circom's H
 * reduction, witness-aware MSMs). Same input and output as snarkjs; each
 * proof is verified against the key before it is returned.
 */
export function nativeBackend({ addon, threads = 1, zkeySha256, hTable = false }: NativeBackendOptions): ProverBackend {
  let prover: NativeProver | undefined
  /** The key file last loaded (none for a key given as bytes): loaded again when it changes under the prover. */
  let source: { path: string; sha256: string } | undefined
  const load = async (read: (next: NativeProver) => Promise<unknown>, path?: string) => {
    const next = new addon.NativeProver(threads)
    try {
      await read(next)
    } catch (cause) {
      const message = nativeMessage(cause)
      if (path && /^\[MISMATCH\]/.test(cause instanceof Error ? cause.message : '')) {
        throw new ArtifactError(`${path} does not match its hash in the manifest.`, {
          details: 'The file was changed or belongs to another build; rerun `glassbox setup` for this build folder.',
          cause,
        })
      }
      throw new ProveError('The native prover cannot read this proving key.', {
        details: `${message}. Rerun \`glassbox setup\` to make a fresh circuit.zkey.`,
        cause,
      })
    }
    prover?.close()
    prover = next
  }
  // An addon built before loadKeyFile existed takes the bytes, checked against the same hash.
  const loadFile = (path: string, sha256: string) =>
    load(async (next) => (next.loadKeyFile ? next.loadKeyFile(path, sha256, hTable ? 'auto' : null) : next.loadKey(new Uint8Array(await readFile(path)), sha256)), path)
  /** The proof's JSON, or the addon's refusal of a mapped key file rewritten in place since it was loaded (it forgets that key). */
  const proveOnce = async (witness: Uint8Array): Promise<{ json: string } | { keyChanged: unknown }> => {
    try {
      return { json: (await prover!.prove(witness)).json }
    } catch (cause) {
      if (/^\[KEY_CHANGED\]/.test(cause instanceof Error ? cause.message : '')) return { keyChanged: cause }
      throw new ProveError('The native prover could not prove this witness.', {
        details: `${nativeMessage(cause)}. The proving key may not belong to this circuit: rerun \`glassbox setup\`.`,
        cause,
      })
    }
  }
  return {
    name: 'native',
    checksProofs: true,
    loadKey: async (zkey) => {
      await load((next) => next.loadKey(zkey, zkeySha256 ?? null))
      source = undefined
    },
    loadKeyFile: async (path, sha256) => {
      await loadFile(path, sha256)
      source = { path, sha256 }
    },
    async prove(witness) {
      if (!prover) throw new ProveError('native backend: no proving key loaded.')
      let proved = await proveOnce(witness)
      if ('keyChanged' in proved && source) {
        // Rewritten in place: map it again, checked against the manifest's hash (the same key proves on; another is refused).
        await loadFile(source.path, source.sha256)
        proved = await proveOnce(witness)
      }
      if ('keyChanged' in proved) {
        throw new ArtifactError('The proving key file was changed while the batch was using it.', { details: `${nativeMessage(proved.keyChanged)}.`, cause: proved.keyChanged })
      }
      return JSON.parse(proved.json) as { proof: Groth16Proof; publicSignals: string[] }
    },
    async close() {
      prover?.close()
      prover = undefined
    },
  }
}

/** The addon's message without its `[CODE] ` prefix. */
function nativeMessage(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause)
  return message.replace(/^\[[A-Z_]+\] /, '')
}
