/**
 * circomlib's Poseidon over BN254 (circuits/poseidon.circom, the optimised
 * form with sparse partial-round matrices) in plain BigInt arithmetic: the
 * same function as circomlibjs's `buildPoseidon()` (the tests compare them),
 * without its start-up. circomlibjs builds the whole bn128 curve in wasm before
 * its first hash (0.5–1 s, every command that hashed an input paid it); this
 * costs one read of the constants and about a millisecond per hash of 16.
 */
import { FIELD_ORDER } from './fieldElement.js'
import { N_ROUNDS_F, N_ROUNDS_P, poseidonConstants } from './poseidonConstants.js'

const P = FIELD_ORDER

const pow5 = (x: bigint): bigint => {
  const x2 = (x * x) % P
  return (((x2 * x2) % P) * x) % P
}

/** Ark: the round constants C[offset…] added to the state. */
export function addRoundConstants(state: readonly bigint[], C: readonly bigint[], offset: number): bigint[] {
  return state.map((v, i) => (v + C[offset + i]!) % P)
}

/** Mix: the state times the matrix M (column i of the result is Σⱼ M[j][i]·state[j]). */
export function mixState(state: readonly bigint[], M: readonly (readonly bigint[])[]): bigint[] {
  const t = state.length
  const out = new Array<bigint>(t)
  for (let i = 0; i < t; i++) {
    let lc = 0n
    for (let j = 0; j < t; j++) lc += M[j]![i]! * state[j]!
    out[i] = lc % P
  }
  return out
}

/**
 * MixS: partial round r's sparse matrix (its first row, then the first column
 * below the diagonal), applied to the state with its first element replaced
 * by `first` (that element after its S-box and round constant).
 */
export function sparseMix(first: bigint, state: readonly bigint[], S: readonly bigint[], r: number): bigint[] {
  const t = state.length
  const at = (t * 2 - 1) * r
  let lc = S[at]! * first
  for (let i = 1; i < t; i++) lc += S[at + i]! * state[i]!
  const out = [lc % P]
  for (let i = 1; i < t; i++) out.push((state[i]! + first * S[at + t + i - 1]!) % P)
  return out
}

/**
 * Poseidon of 1 to 16 field elements (`PoseidonEx(n, 1)` with `initialState`).
 * @param inputs Field elements (0 ≤ v < p).
 * @param initialState The capacity element: 0 for plain hashes.
 */
export function poseidon(inputs: readonly bigint[], initialState = 0n): bigint {
  const t = inputs.length + 1
  const { C, S, M, P: Pm } = poseidonConstants(t)
  const nRoundsP = N_ROUNDS_P[t - 2]!
  const half = N_ROUNDS_F / 2
  let state = addRoundConstants([initialState, ...inputs].map((v) => ((v % P) + P) % P), C, 0)
  for (let r = 0; r < half - 1; r++) state = mixState(addRoundConstants(state.map(pow5), C, (r + 1) * t), M)
  state = mixState(addRoundConstants(state.map(pow5), C, half * t), Pm)
  for (let r = 0; r < nRoundsP; r++) state = sparseMix((pow5(state[0]!) + C[(half + 1) * t + r]!) % P, state, S, r)
  for (let r = 0; r < half - 1; r++) state = mixState(addRoundConstants(state.map(pow5), C, (half + 1) * t + nRoundsP + r * t), M)
  const sigmas = state.map(pow5)
  let out = 0n
  for (let j = 0; j < t; j++) out += M[j]![0]! * sigmas[j]!
  return out % P
}
