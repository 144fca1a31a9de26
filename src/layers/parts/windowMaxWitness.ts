import { RangeOverflowError } from '../../errors.js'
import type { SignalArray } from '../../witness/witnessScope.js'

/** The comparison signals of one pooling template (MaxPool2d, ConvChannel's fused pool): `cbits[NOUT][NCMP][N]`, `best[NOUT][NCMP]`. */
export type WindowMaxSignals = {
  cbits: SignalArray
  best: SignalArray
  /** Positions per window, padded to the kernel's size (KH·KW). */
  window: number
  /** Bits of each comparison: the values' width plus one. */
  n: number
}

/** NCMP of the templates: one comparison per window position after the first, and one (pinned to zero) row even for a 1-position window. */
export function comparisonsPerWindow(window: number): number {
  return Math.max(window - 1, 1)
}

/**
 * The witness of one window's running max, as MaxPool2d and ConvChannel
 * compute it: the window's in-image positions (row-major; a short window
 * repeats its first), m = values[pos[0]], then for each further position t
 * the N bits of d + 2^(N−1), d = m − values[pos[t]], into `cbits[p][t−1]`
 * (its top bit: d ≥ 0) and the new running max into `best[p][t−1]`.
 * Returns the max. Rows of a 1-position window are left to the caller
 * (the templates differ there).
 * @throws {RangeOverflowError} when a difference does not fit N signed bits (the circuit has no witness), naming `where`.
 */
export function windowMaxWitness({ cbits, best, window, n }: WindowMaxSignals, p: number, values: readonly bigint[], positions: readonly number[], where: string | (() => string)): bigint {
  const ncmp = comparisonsPerWindow(window)
  const offset = 1n << BigInt(n - 1)
  const limit = offset << 1n
  let m = values[positions[0]!]!
  for (let t = 1; t < window; t++) {
    const v = values[positions[t] ?? positions[0]!]!
    const shifted = m - v + offset
    if (shifted < 0n || shifted >= limit) {
      throw new RangeOverflowError(`${typeof where === 'string' ? where : where()}[${p}]: the difference ${m - v} of two values of its window does not fit ${n} signed bits, so the circuit has no witness for this input.`, {
        details: 'A value left the range the model was compiled for; the integer evaluator refuses the same input.',
      })
    }
    const row = p * ncmp + t - 1
    cbits.setBits(row * n, shifted, n)
    if (shifted < offset) m = v
    best.set(row, m)
  }
  return m
}

/** Pins the one comparison row of output p to zero (`best[p][0] <== 0`, `cbits[p][0][b] <== 0`), as the templates do when a window has a single position (NCMP = 1). */
export function zeroComparisons({ cbits, best, n }: WindowMaxSignals, p: number): void {
  best.setNumber(p, 0)
  for (let b = 0; b < n; b++) cbits.setNumber(p * n + b, 0)
}
