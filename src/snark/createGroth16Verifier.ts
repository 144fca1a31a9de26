import { ArtifactError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { loadNativeAddon, nativeAddonUnavailableReason } from '../native/loadNativeAddon.js'
import type { Groth16ProofJson } from './groth16Proof.js'
import { releaseSnarkjs } from './snarkjsLogger.js'

/** `native`: the Rust addon (about a millisecond a proof); `snarkjs`: snarkjs's verifier; `auto`: native when the addon is there. */
export type VerifierBackend = 'native' | 'snarkjs' | 'auto'

export type CreateGroth16VerifierParameters = {
  /** The verification key as snarkjs writes it (`verification_key.json`, parsed). */
  verificationKey: unknown
  backend?: VerifierBackend
  logger?: Logger
}

export type Groth16Verifier = {
  /** The backend in use. */
  readonly backend: 'native' | 'snarkjs'
  /**
   * Whether the proof proves these public signals. False for a proof that fails the equation; the
   * native backend also says false (where snarkjs may throw) for out-of-range values: coordinates
   * off the curve or outside the subgroup, signals ≥ r, non-decimals. Rejects only when the
   * verifier itself fails.
   */
  verify(proof: Groth16ProofJson, publicSignals: readonly string[]): Promise<boolean>
  /** Releases snarkjs's curve threads (a no-op for the native backend). */
  close(): Promise<void>
}

/**
 * A Groth16 verifier for one verification key. The native one parses the key
 * once and checks a proof in about a millisecond, off snarkjs's curve set-up
 * (about a second per process) and wasm pairing (tens of milliseconds a
 * proof) — which matters where proofs are checked by the thousand (`glassbox
 * verify`, a queue producer checking every worker's proof). snarkjs stays as
 * the fallback when the addon is missing, and on request as a second opinion.
 *
 * @throws {ArtifactError} when `backend` is `native` and the addon is unavailable, or the key is not a valid BN254 Groth16 key.
 */
export function createGroth16Verifier({ verificationKey, backend = 'auto', logger = silentLogger }: CreateGroth16VerifierParameters): Groth16Verifier {
  if (backend !== 'snarkjs') {
    const addon = loadNativeAddon()
    if (addon?.NativeVerifier) {
      let native: InstanceType<NonNullable<typeof addon.NativeVerifier>>
      try {
        native = new addon.NativeVerifier(JSON.stringify(verificationKey))
      } catch (cause) {
        throw new ArtifactError('The verification key is not a valid BN254 Groth16 key.', {
          details: `${cause instanceof Error ? cause.message.replace(/^\[FORMAT\] /, '') : String(cause)}. Rerun \`glassbox setup\` for the build.`,
          cause,
        })
      }
      return {
        backend: 'native',
        verify: async (proof, publicSignals) => native.verify(JSON.stringify(proof), JSON.stringify(publicSignals)),
        close: async () => {},
      }
    }
    const reason = addon ? 'the addon predates the native verifier: rebuild it with `npm run build:native`' : nativeAddonUnavailableReason()
    if (backend === 'native') throw new ArtifactError('The native verifier is unavailable.', { details: `${reason}. Or verify with snarkjs.` })
    logger.debug(`native verifier unavailable (${reason}); verifying with snarkjs`)
  }
  // One verification at a time: concurrent first calls would each build snarkjs's curve (about a second each).
  let turn: Promise<unknown> = Promise.resolve()
  return {
    backend: 'snarkjs',
    verify(proof, publicSignals) {
      // Imported here: snarkjs takes a while to load, and the native path never needs it.
      const run = turn.then(async () => (await import('snarkjs')).groth16.verify(verificationKey, [...publicSignals], proof) as Promise<boolean>)
      turn = run.catch(() => undefined)
      return run
    },
    close: releaseSnarkjs,
  }
}
