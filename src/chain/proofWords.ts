import type { ProofWords } from './marketTypes.js'
import { proofToCalldata, type Groth16Proof } from './proofToCalldata.js'

/**
 * A snarkjs proof as the contracts' `uint256[8]` (a, b with its Fq2 pairs swapped, c), and its
 * public signals as bigints.
 * @throws {VerifyError} When the proof or a signal is malformed.
 */
export function proofWords(proof: Groth16Proof, publicSignals: readonly (string | bigint)[]): { proof: ProofWords; publicSignals: bigint[] } {
  const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
  return { proof: [a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]], publicSignals: signals }
}
