/**
 * The dev ptau power for a circuit of domain 2^circuitPower: the circuit's
 * own, or one more above 2^14. There snarkjs's `zkey new` hashes τ^(2n−1)
 * into the circuit hash (its chunked H loop runs one point past n − 1), a
 * point a ptau of exactly the circuit's power does not have (snarkjs then
 * hashes bytes of the next section); with one power more, the native dev key
 * gets the circuit hash `snarkjs zkey verify` recomputes. Pure.
 */
export function devPtauPower(circuitPower: number): number {
  return circuitPower > 14 ? circuitPower + 1 : circuitPower
}
