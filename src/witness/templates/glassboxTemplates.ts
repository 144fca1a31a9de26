/**
 * Witness mirrors of the shared templates of circuits/glassbox.circom (range
 * checks, argmax, input hashes, output words, the prover binding): each
 * declares the template's signals, and those of its subcomponents, under
 * circom's names and fills them as circom's witness code does. A value the
 * circuit could not decompose (out of its range) throws: circom's witness
 * would fail its `===` there too.
 */
import { RangeOverflowError } from '../../errors.js'
import { FIELD_ORDER, toField } from '../../field/fieldElement.js'
import type { WitnessScope } from '../witnessScope.js'
import { poseidonExWitness, poseidonWitness } from './poseidonWitness.js'

/** Refuses a value outside [0, 2^n): the decomposition at `where` (a path, or a function giving it) has no witness. */
export function checkBits(value: bigint, n: number, where: string | (() => string)): void {
  if (value < 0n || value >= 1n << BigInt(n)) {
    throw new RangeOverflowError(`${typeof where === 'string' ? where : where()}: ${value} does not fit ${n} bits, so the circuit has no witness for this input.`, {
      details: 'A value left the range the model was compiled for; the integer evaluator refuses the same input.',
    })
  }
}

/** `BitsOf(n)`: value, bits[n]. */
export function bitsOfWitness(scope: WitnessScope, value: bigint, n: number): void {
  checkBits(value, n, () => scope.path)
  scope.signal('value', value)
  scope.signals('bits', [n]).setBits(0, value, n)
}

/** `SignedRange(B)`: in, and `bits` = BitsOf(B) of in + 2^(B−1). */
export function signedRangeWitness(scope: WitnessScope, value: bigint, B: number): void {
  scope.signal('in', value)
  bitsOfWitness(scope.component('bits'), value + (1n << BigInt(B - 1)), B)
}

/** `InputRange(n, B)`: in[n], range[i] = SignedRange(B). */
export function inputRangeWitness(scope: WitnessScope, values: readonly bigint[], B: number): void {
  scope.signals('in', [values.length]).fill(values)
  values.forEach((v, i) => signedRangeWitness(scope.component('range', i), v, B))
}

/** `ArgMax(n, B)`: the first index of the maximum, with its one-hot selector and gap decompositions. */
export function argMaxWitness(scope: WitnessScope, values: readonly bigint[], B: number): number {
  const n = values.length
  let best = 0
  for (let i = 1; i < n; i++) if (values[i]! > values[best]!) best = i
  const m = values[best]!
  scope.signals('in', [n]).fill(values)
  scope.signal('index', BigInt(best))
  const e = scope.signals('e', [n])
  const picked = scope.signals('picked', [n])
  for (let i = 0; i < n; i++) {
    e.setNumber(i, i === best ? 1 : 0)
    picked.set(i, i === best ? m : 0n)
  }
  for (let i = 0; i < n; i++) {
    // sum of e[j] for j > i: 1 exactly when the index lies after i.
    const after = best > i ? 1n : 0n
    bitsOfWitness(scope.component('gap', i), m - values[i]! - after, B + 1)
  }
  return best
}

/** `InputHash(n)`: Poseidon chained 16, then 15 at a time; returns the hash. */
export function inputHashWitness(scope: WitnessScope, values: readonly bigint[]): bigint {
  const n = values.length
  const field = values.map(toField)
  scope.signals('in', [n]).fill(field)
  const first = Math.min(n, 16)
  let h = poseidonWitness(scope.component('head'), field.slice(0, first))
  for (let c = 0, start = first; start < n; c++, start += 15) {
    h = poseidonWitness(scope.component('chain', c), [h, ...field.slice(start, start + 15)])
  }
  scope.signal('hash', h)
  return h
}

/** The packed words of `PackedInputHash(n, B)`: floor(253 / B) values per field element, each offset by 2^(B−1). */
export function packedWords(values: readonly bigint[], B: number): bigint[] {
  const per = Math.floor(253 / B)
  const offset = 1n << BigInt(B - 1)
  const words: bigint[] = []
  for (let j = 0; j * per < values.length; j++) {
    let packed = 0n
    for (let i = j * per; i < values.length && i < (j + 1) * per; i++) packed += (values[i]! + offset) << BigInt(B * (i - j * per))
    words.push(packed)
  }
  return words
}

/** `PackedInputHash(n, B)`: in[n], hash, and `chain` = InputHash over the packed words. */
export function packedInputHashWitness(scope: WitnessScope, values: readonly bigint[], B: number): bigint {
  scope.signals('in', [values.length]).fill(values)
  const hash = inputHashWitness(scope.component('chain'), packedWords(values, B))
  scope.signal('hash', hash)
  return hash
}

/** Inverse in the BN254 scalar field (Fermat). */
function inverse(value: bigint): bigint {
  let result = 1n
  let base = value % FIELD_ORDER
  for (let e = FIELD_ORDER - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % FIELD_ORDER
    base = (base * base) % FIELD_ORDER
  }
  return result
}

/** `SaltedInputHash(n, B)`: h when salt = 0, the salted-domain Poseidon(h, salt) otherwise. */
export function saltedInputHashWitness(scope: WitnessScope, values: readonly bigint[], salt: bigint, B: number): bigint {
  scope.signals('in', [values.length]).fill(values)
  scope.signal('salt', salt)
  const plain = packedInputHashWitness(scope.component('plain'), values, B)
  const [salted] = poseidonExWitness(scope.component('salted'), [plain, salt], 1n, 1)
  const inv = salt === 0n ? 0n : inverse(salt)
  const unsalted = salt === 0n ? 1n : 0n
  scope.signal('inv', inv)
  scope.signal('unsalted', unsalted)
  const hash = unsalted === 1n ? plain : salted!
  scope.signal('hash', hash)
  return hash
}

/** `PackWord(n, B, TB)`: the word of n B-bit values and a TB-bit tail. */
export function packWordWitness(scope: WitnessScope, values: readonly bigint[], tail: bigint, B: number, TB: number): bigint {
  scope.signals('in', [values.length]).fill(values)
  scope.signal('tail', tail)
  const offset = 1n << BigInt(B - 1)
  let word = 0n
  values.forEach((v, i) => {
    bitsOfWitness(scope.component('range', i), v + offset, B)
    word += (v + offset) << BigInt(B * i)
  })
  if (TB > 0) bitsOfWitness(scope.component('tailRange'), tail, TB)
  word += tail << BigInt(B * values.length)
  scope.signal('word', word)
  return word
}

/** `BindProver()`: prover and its square. */
export function bindProverWitness(scope: WitnessScope, prover: bigint): void {
  scope.signal('prover', prover)
  scope.signal('square', (prover * prover) % FIELD_ORDER)
}
