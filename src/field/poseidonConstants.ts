/**
 * circomlib's Poseidon parameters over BN254 for widths t = 2…17: rounds and
 * the optimised-form constants (round constants C, sparse matrices S, the MDS
 * matrix M and the pre-sparse matrix P). They are circomlibjs's
 * `poseidon_constants_opt.json`, the same numbers circomlib's
 * poseidon_constants.circom holds, read once from circomlibjs's package
 * folder (nothing of circomlibjs is executed).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export const N_ROUNDS_F = 8
/** Partial rounds by width t (index t − 2). */
export const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const

export type PoseidonConstants = { C: bigint[]; S: bigint[]; M: bigint[][]; P: bigint[][] }
type ConstantsFile = { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] }

let file: ConstantsFile | undefined
const byWidth = new Map<number, PoseidonConstants>()

/** The constants of Poseidon with `t` = inputs + 1 (2 ≤ t ≤ 17). */
export function poseidonConstants(t: number): PoseidonConstants {
  let constants = byWidth.get(t)
  if (constants) return constants
  if (!Number.isInteger(t) || t < 2 || t > N_ROUNDS_P.length + 1) throw new RangeError(`Poseidon takes 1 to ${N_ROUNDS_P.length} inputs, not ${t - 1}`)
  if (!file) {
    // circomlibjs exports only its entry point; its constants file sits beside it.
    const main = createRequire(import.meta.url).resolve('circomlibjs')
    file = JSON.parse(readFileSync(join(dirname(main), '..', 'src', 'poseidon_constants_opt.json'), 'utf8')) as ConstantsFile
  }
  const i = t - 2
  constants = {
    C: file.C[i]!.map((v) => BigInt(v)),
    S: file.S[i]!.map((v) => BigInt(v)),
    M: file.M[i]!.map((row) => row.map((v) => BigInt(v))),
    P: file.P[i]!.map((row) => row.map((v) => BigInt(v))),
  }
  byWidth.set(t, constants)
  return constants
}
