/**
 * circomlib's Poseidon (circuits/poseidon.circom, the optimised form with
 * sparse partial-round matrices) as a witness mirror: every signal of every
 * subcomponent (Ark, Sigma, Mix, MixS, MixLast) under circom's names, with
 * the values its witness code computes. The round constants are
 * field/poseidonConstants.ts's (the tests compare whole witnesses with
 * circom's own); field/poseidon.ts is the same hash without the signals.
 */
import { FIELD_ORDER } from '../../field/fieldElement.js'
import { addRoundConstants, mixState, sparseMix } from '../../field/poseidon.js'
import { N_ROUNDS_F, N_ROUNDS_P, poseidonConstants as constantsFor } from '../../field/poseidonConstants.js'
import type { WitnessScope } from '../witnessScope.js'

const P = FIELD_ORDER

const mod = (v: bigint): bigint => {
  const r = v % P
  return r < 0n ? r + P : r
}

function sigma(scope: WitnessScope, x: bigint): bigint {
  const in2 = (x * x) % P
  const in4 = (in2 * in2) % P
  const out = (in4 * x) % P
  scope.signal('in', x)
  scope.signal('out', out)
  scope.signal('in2', in2)
  scope.signal('in4', in4)
  return out
}

function ark(scope: WitnessScope, state: readonly bigint[], C: readonly bigint[], offset: number): bigint[] {
  const out = addRoundConstants(state, C, offset)
  scope.signals('in', [state.length]).fill(state)
  scope.signals('out', [state.length]).fill(out)
  return out
}

function mix(scope: WitnessScope, state: readonly bigint[], M: readonly (readonly bigint[])[]): bigint[] {
  const out = mixState(state, M)
  scope.signals('in', [state.length]).fill(state)
  scope.signals('out', [state.length]).fill(out)
  return out
}

function mixS(scope: WitnessScope, state: readonly bigint[], S: readonly bigint[], r: number): bigint[] {
  const out = sparseMix(state[0]!, state, S, r)
  scope.signals('in', [state.length]).fill(state)
  scope.signals('out', [state.length]).fill(out)
  return out
}

/**
 * `PoseidonEx(nInputs, nOuts)`: declares its signals in `scope` and returns `out`.
 * @param inputs Field elements (0 ≤ v < p).
 */
export function poseidonExWitness(scope: WitnessScope, inputs: readonly bigint[], initialState: bigint, nOuts: number): bigint[] {
  const t = inputs.length + 1
  const nRoundsP = N_ROUNDS_P[t - 2]!
  const half = N_ROUNDS_F / 2
  const { C, S, M, P: Pm } = constantsFor(t)
  scope.signals('inputs', [inputs.length]).fill(inputs)
  scope.signal('initialState', initialState)

  let state = ark(scope.component('ark', 0), [initialState, ...inputs].map(mod), C, 0)
  for (let r = 0; r < half - 1; r++) {
    const sigmas = state.map((v, j) => sigma(scope.component('sigmaF', r, j), v))
    state = ark(scope.component('ark', r + 1), sigmas, C, (r + 1) * t)
    state = mix(scope.component('mix', r), state, M)
  }
  let sigmas = state.map((v, j) => sigma(scope.component('sigmaF', half - 1, j), v))
  state = ark(scope.component('ark', half), sigmas, C, half * t)
  state = mix(scope.component('mix', half - 1), state, Pm)
  for (let r = 0; r < nRoundsP; r++) {
    const s = sigma(scope.component('sigmaP', r), state[0]!)
    state = mixS(scope.component('mixS', r), [(s + C[(half + 1) * t + r]!) % P, ...state.slice(1)], S, r)
  }
  for (let r = 0; r < half - 1; r++) {
    const sig = state.map((v, j) => sigma(scope.component('sigmaF', half + r, j), v))
    state = ark(scope.component('ark', half + r + 1), sig, C, (half + 1) * t + nRoundsP + r * t)
    state = mix(scope.component('mix', half + r), state, M)
  }
  sigmas = state.map((v, j) => sigma(scope.component('sigmaF', N_ROUNDS_F - 1, j), v))
  const out: bigint[] = []
  for (let i = 0; i < nOuts; i++) {
    const last = scope.component('mixLast', i)
    let lc = 0n
    for (let j = 0; j < t; j++) lc += M[j]![i]! * sigmas[j]!
    const value = lc % P
    last.signals('in', [t]).fill(sigmas)
    last.signal('out', value)
    out.push(value)
  }
  scope.signals('out', [nOuts]).fill(out)
  return out
}

/** `Poseidon(nInputs)`: inputs, out, and the `pEx` component. */
export function poseidonWitness(scope: WitnessScope, inputs: readonly bigint[]): bigint {
  scope.signals('inputs', [inputs.length]).fill(inputs)
  const [out] = poseidonExWitness(scope.component('pEx'), inputs, 0n, 1)
  scope.signal('out', out!)
  return out!
}
