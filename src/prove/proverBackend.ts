import type { Groth16ProofJson as Groth16Proof } from '../snark/groth16Proof.js'

/**
 * A Groth16 prover over BN254 that takes a snarkjs `.zkey` and a `.wtns`
 * witness and returns snarkjs-format proof JSON. snarkjs is the portable
 * backend; the native (Rust) backend implements the same interface.
 */
export type ProverBackend = {
  readonly name: 'snarkjs' | 'native'
  /** Whether `prove` checks each proof against the verification key itself (and throws ProveError for one that fails). */
  readonly checksProofs: boolean
  /** Parses/keeps the proving key once; later proofs reuse it. */
  loadKey(zkey: Uint8Array): Promise<void>
  /**
   * Loads the key file itself, checked against `sha256` (the manifest's), when
   * the backend can do better than bytes read by the caller: the native one
   * maps it once per process and shares the mapping between its workers.
   * @throws {ArtifactError} when the file does not hash to `sha256`.
   */
  loadKeyFile?(path: string, sha256: string): Promise<void>
  prove(witness: Uint8Array): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
  close(): Promise<void>
}
