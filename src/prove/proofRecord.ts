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
  proof: Groth16Proof
  backend: string
  /** Wall time of witness + proof for this input, in milliseconds. */
  ms: number
}
