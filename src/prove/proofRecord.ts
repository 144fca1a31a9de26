import type { Groth16ProofJson as Groth16Proof } from '../snark/groth16Proof.js'

/** One line of a proofs file (JSONL). */
export type ProofRecord = {
  id: string
  /** The model output, dequantized. */
  output: number[]
  /** The model output as the circuit's integers (decimal strings). */
  outputQ: string[]
  /** The proven argmax, when the circuit has one. */
  class?: number
  publicSignals: string[]
  /** Committed-weights builds: the Poseidon commitment of the weight set that proved (also a public signal). */
  weightsCommitment?: string
  proof: Groth16Proof
  backend: string
  /** The witness generator that made it: `native` (glassbox's own) or `wasm` (circom's). */
  witness?: 'native' | 'wasm'
  /** Wall time of witness + proof for this input, in milliseconds. */
  ms: number
  /**
   * SHA-256 (hex) of the build's `verification_key.json`, as recorded in the
   * manifest's `artifacts.verificationKey`: which model and which keys made this
   * proof. A resumed batch refuses records of other keys.
   */
  vkeySha256: string
  /**
   * SHA-256 (hex) of the canonical JSON of this record's float input array, or of `{input, salt}`
   * for a salted input (see `inputSha256`: never of the input alone, which would undo the salt).
   */
  inputSha256: string
  /**
   * True when the input hash is salted (Poseidon(h, salt) with a private salt the record does not
   * carry): `verify --inputs` needs the input line with its `"salt"` to re-derive it.
   */
  salted?: boolean
}
