/**
 * The signal store of glassbox's own witness generator: the circuit's
 * templates are mirrored in TypeScript (each layer kind's `witness`, and the
 * fixed templates of src/witness/templates/), and each mirror declares its
 * signal arrays under the same names circom gives them (`main.layer3.bits[2][5]`)
 * and fills them with the values circom's witness code would compute.
 *
 * Declarations depend only on the circuit's shape, never on values, so one
 * run fixes the order of every signal: {@link buildWitnessPlan} matches those
 * names once against circom's `.sym` file, and every later witness is a
 * gather of values into wire order, with no names at all.
 *
 * Values are stored as float64 when they are safe integers (nearly all of
 * them: bits, activations, accumulators) and as BigInt otherwise (hashes,
 * wide sums), so the common case costs no BigInt arithmetic.
 */

import { FIELD_ORDER } from '../field/fieldElement.js'

/** One signal array (or single signal, `dims` empty) a template mirror declared. */
export type SignalDeclaration = {
  /** Its full circom name without indices, e.g. `main.layer0.bits`. */
  name: string
  dims: readonly number[]
  /** Its first position in the store. */
  base: number
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const TWO32 = 4294967296

/** Every signal value of one witness, in declaration order. */
export class WitnessValues {
  /** Safe-integer values; NaN where the value is in `big`. */
  small: Float64Array
  readonly big = new Map<number, bigint>()
  readonly declarations: SignalDeclaration[] = []
  size = 0

  /**
   * @param recording Whether to record each declaration's name and shape (needed
   *   to lay out a plan; a witness computed for a known plan skips the names).
   */
  constructor(capacity = 1024, readonly recording = true) {
    this.small = new Float64Array(Math.max(capacity, 16))
  }

  /** Reserves `count` positions for a declaration (`name` is only called when recording); returns the first. */
  reserve(name: () => string, dims: readonly number[], count: number): number {
    const base = this.size
    if (this.recording) this.declarations.push({ name: name(), dims, base })
    this.size += count
    if (this.size > this.small.length) {
      let capacity = this.small.length * 2
      while (capacity < this.size) capacity *= 2
      const grown = new Float64Array(capacity)
      grown.set(this.small)
      this.small = grown
    }
    return base
  }

  set(position: number, value: bigint): void {
    if (value >= -SAFE && value <= SAFE) {
      this.small[position] = Number(value)
    } else {
      // Every mirror keeps values in (−p, p): the .wtns writer relies on it.
      if (value >= FIELD_ORDER || value <= -FIELD_ORDER) throw new RangeError(`witness value ${value} is outside (−p, p) (a glassbox bug)`)
      this.small[position] = Number.NaN
      this.big.set(position, value)
    }
  }

  /** The values of positions `start … end − 1`, to be put back by {@link replay} in a later witness. */
  snapshot(start: number, end: number): WitnessSnapshot {
    const big: [number, bigint][] = []
    for (const [position, value] of this.big) if (position >= start && position < end) big.push([position - start, value])
    return { small: this.small.slice(start, end), big }
  }

  /**
   * Appends a snapshot's values as the next positions, with no declarations:
   * for a part of the circuit whose values do not depend on the input (the
   * weight commitment), when no plan is being laid out.
   */
  replay(snapshot: WitnessSnapshot): void {
    const start = this.reserve(() => '', NO_DIMS, snapshot.small.length)
    this.small.set(snapshot.small, start)
    for (const [offset, value] of snapshot.big) this.big.set(start + offset, value)
  }

  /** The value at a position, as a signed integer (not reduced mod p). */
  get(position: number): bigint {
    const v = this.small[position]!
    return Number.isNaN(v) ? this.big.get(position)! : BigInt(v)
  }

}

/** A run of positions' values (see {@link WitnessValues.snapshot}). */
export type WitnessSnapshot = { small: Float64Array; big: readonly [number, bigint][] }

/** A declared signal array: positions `base … base + size − 1`, row-major like circom's indices. */
export class SignalArray {
  constructor(
    private readonly values: WitnessValues,
    readonly base: number,
    readonly size: number,
  ) {}

  set(index: number, value: bigint): void {
    this.values.set(this.base + index, value)
  }

  /** Sets a value known to be a safe integer. */
  setNumber(index: number, value: number): void {
    this.values.small[this.base + index] = value
  }

  /** Copies values in from index 0. */
  fill(values: readonly bigint[]): void {
    for (let i = 0; i < values.length; i++) this.values.set(this.base + i, values[i]!)
  }

  /** Copies values known to be safe integers in from index 0 (one typed-array copy: the fast {@link fill}). */
  fillNumbers(values: ArrayLike<number>): void {
    this.values.small.set(values, this.base)
  }

  /**
   * Writes the n low bits of a non-negative value (< 2^n, the caller's range
   * check) into indices `from … from + n − 1`, lowest first: circom's
   * `bits[t] <-- (value >> t) & 1`.
   */
  setBits(from: number, value: bigint, n: number): void {
    const small = this.values.small
    const at = this.base + from
    if (value <= SAFE) {
      const v = Number(value)
      const lo = v % TWO32
      const hi = (v - lo) / TWO32
      for (let t = 0; t < n; t++) {
        if (t < 32) small[at + t] = (lo >>> t) & 1
        else if (t < 64) small[at + t] = (hi >>> (t - 32)) & 1
        else small[at + t] = 0
      }
      return
    }
    for (let t = 0; t < n; t++) small[at + t] = Number((value >> BigInt(t)) & 1n)
  }
}

const NO_DIMS: readonly number[] = []

/**
 * A component of the circuit (or `main`): where a template mirror declares
 * its signals and subcomponents. Its path string is only built when a
 * declaration is recorded, so a witness for a known plan builds no names.
 */
export class WitnessScope {
  #path: string | undefined

  constructor(
    readonly values: WitnessValues,
    private readonly parent: WitnessScope | undefined,
    private readonly name: string,
    private readonly index: readonly number[] = NO_DIMS,
  ) {}

  /** Its circom path, e.g. `main.inputHasher.plain`. */
  get path(): string {
    this.#path ??= `${this.parent ? `${this.parent.path}.` : ''}${this.name}${this.index.map((i) => `[${i}]`).join('')}`
    return this.#path
  }

  /** Declares `signal name[d0][d1]…` (no dims: one signal). */
  signals(name: string, dims: readonly number[] = NO_DIMS): SignalArray {
    let count = 1
    for (const d of dims) count *= d
    const base = this.values.reserve(() => `${this.path}.${name}`, dims, count)
    return new SignalArray(this.values, base, count)
  }

  /** Declares and sets one signal. */
  signal(name: string, value: bigint): void {
    this.values.set(this.values.reserve(() => `${this.path}.${name}`, NO_DIMS, 1), value)
  }

  /** The subcomponent `name` (`name[i][j]` with indices). */
  component(name: string, ...index: readonly number[]): WitnessScope {
    return new WitnessScope(this.values, this, name, index)
  }
}

/**
 * A fresh store with its root scope `main`.
 * @param options.capacity The signal count, when known (a previous witness's), so the store never regrows.
 * @param options.recording False when the plan is known: no names are built.
 */
export function createWitnessScope({ capacity, recording = true }: { capacity?: number; recording?: boolean } = {}): WitnessScope {
  return new WitnessScope(new WitnessValues(capacity, recording), undefined, 'main')
}
