/**
 * A Groth16 proof over BN254 as snarkjs writes it (`proof.json`) and as every
 * glassbox backend returns it: decimal strings, projective coordinates (the
 * last coordinate of each point is `"1"`; a G2 coordinate is an Fq2 pair
 * `[c0, c1]`). Declared here, not taken from snarkjs, so that consumers of
 * glassbox's types need no typings for snarkjs (it ships none).
 */
export type Groth16ProofJson = {
  pi_a: [string, string, string]
  pi_b: [[string, string], [string, string], [string, string]]
  pi_c: [string, string, string]
  protocol: 'groth16'
  curve: 'bn128'
}

/** What a Groth16 prover returns: the proof and its public signals (decimal strings, snarkjs order). */
export type Groth16ProofResult = { proof: Groth16ProofJson; publicSignals: string[] }
