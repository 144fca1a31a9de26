import { RangeOverflowError } from '../../errors.js'
import type { SignalArray, WitnessScope } from '../../witness/witnessScope.js'
import type { Rescaled } from './rescale.js'
import { checkBits } from '../../witness/templates/glassboxTemplates.js'

/**
 * The witness of one inline rescale (the `bits[row][0 … k+B)` rows of
 * DenseRescale, AffineRescale, ConvChannel, …): the k + B bits of
 * acc + 2^(k+B−1), lowest first, written into `bits` at row `row`; returns
 * the output, floor(acc / 2^k), through the ReLU when the rescale has one.
 * @throws {RangeOverflowError} when the quotient does not fit B signed bits (the circuit has no witness), naming `where[row]`.
 */
export function rescaleWitness(bits: SignalArray, row: number, acc: bigint, { shift, bits: B, relu }: Rescaled, where: string | (() => string)): bigint {
  const n = shift + B
  const shifted = acc + (1n << BigInt(n - 1))
  const q = acc >> BigInt(shift)
  if (shifted < 0n || shifted >= 1n << BigInt(n)) {
    throw new RangeOverflowError(`Value ${q} at ${typeof where === 'string' ? where : where()}[${row}] does not fit in ${B} signed bits.`, {
      details: 'The circuit has no witness for this input: a value left the range the model was calibrated for.',
    })
  }
  bits.setBits(row * n, shifted, n)
  return relu && q < 0n ? 0n : q
}

/**
 * The signals of a template that rescales one accumulator per output
 * (DenseRescale, AffineRescale and their committed variants): in, out and
 * `bits[row][k+B]`, in component `scope`. Returns the outputs.
 */
export function rescaleRowsWitness(scope: WitnessScope, layer: Rescaled & { name: string }, x: readonly bigint[], acc: readonly bigint[]): bigint[] {
  scope.signals('in', [x.length]).fill(x)
  const bits = scope.signals('bits', [acc.length, layer.shift + layer.bits])
  const out = acc.map((a, row) => rescaleWitness(bits, row, a, layer, layer.name))
  scope.signals('out', [out.length]).fill(out)
  return out
}

/**
 * One inline decomposition (a `bits[row][0 … n)` row some template writes with
 * `<-- (value >> b) & 1`): checks 0 ≤ value < 2^n and writes its n bits at
 * row `row` of `bits`.
 * @throws {RangeOverflowError} when the value does not fit (the circuit has no witness), naming `where[row]`.
 */
export function bitsRowWitness(bits: SignalArray, row: number, value: bigint, n: number, where: string | (() => string)): void {
  checkBits(value, n, () => `${typeof where === 'string' ? where : where()}[${row}]`)
  bits.setBits(row * n, value, n)
}
