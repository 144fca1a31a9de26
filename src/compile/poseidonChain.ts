import type { PoseidonHasher } from 'circomlibjs'
import { InputError } from '../errors.js'

/** The BN254 scalar field order: signals live modulo this prime. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Maps a signed integer to its field element (negative v becomes p − |v|). */
export function toField(value: bigint): bigint {
  const r = value % FIELD_ORDER
  return r < 0n ? r + FIELD_ORDER : r
}

/** Maps a field element back to a signed integer in (−p/2, p/2]. */
export function fromField(value: bigint): bigint {
  return value > FIELD_ORDER / 2n ? value - FIELD_ORDER : value
}

let poseidonPromise: Promise<PoseidonHasher> | undefined

// circomlibjs builds its round constants once; every caller shares them. It is
// imported lazily: its entry point also loads blake-hash, a native addon that
// crashes the process when loaded in a worker thread, so proving workers
// (which only need toField/fromField from here) must never load it.
function getPoseidon(): Promise<PoseidonHasher> {
  poseidonPromise ??= import('circomlibjs').then(({ buildPoseidon }) => buildPoseidon())
  return poseidonPromise
}

/**
 * Poseidon over any number of field elements, chained exactly like the
 * `InputHash` template in circuits/glassbox.circom:
 * h = Poseidon(v[0..16)), then h = Poseidon(h, next 15 values) until done.
 *
 * @param values Signed integers (mapped into the field) or field elements.
 * @returns The hash as a field element.
 */
export async function poseidonChain(values: readonly bigint[]): Promise<bigint> {
  if (values.length === 0) throw new RangeError('poseidonChain needs at least one value')
  const poseidon = await getPoseidon()
  const field = values.map(toField)
  const first = Math.min(16, field.length)
  let hash = poseidon.F.toObject(poseidon(field.slice(0, first))) as bigint
  for (let start = first; start < field.length; start += 15) {
    hash = poseidon.F.toObject(poseidon([hash, ...field.slice(start, start + 15)])) as bigint
  }
  return hash
}

/**
 * Poseidon's capacity element (its initial state) for a salted input hash: 1,
 * where every other hash glassbox computes starts from 0. Without it the
 * salted hash Poseidon(h, salt) would be the unsalted hash of any input that
 * packs into the two words (h, salt), so a salted proof of one input could be
 * passed off as an unsalted proof of another.
 */
export const SALTED_HASH_DOMAIN = 1n

/**
 * Poseidon(h, salt) in the salted-input-hash domain (see {@link SALTED_HASH_DOMAIN}), as the
 * circuit's `SaltedInputHash` computes it.
 */
export async function saltedHash(hash: bigint, salt: bigint): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.F.toObject(poseidon([toField(hash), toField(salt)], SALTED_HASH_DOMAIN)) as bigint
}

/**
 * The circuit's input packing (`PackedInputHash`): B-bit signed values offset
 * by 2^(B−1), floor(253 / B) per field element, lowest bits first. Also the
 * calldata layout of a market request's input, so the bytes are the hash's
 * preimage.
 *
 * @throws {InputError} for a bit width out of range or a value that does not fit in B signed bits.
 */
export function packInput(values: readonly bigint[], bits: number): bigint[] {
  if (!Number.isInteger(bits) || bits < 2 || bits > 126) throw new InputError(`Input bit width ${bits} is out of range.`)
  const per = Math.floor(253 / bits)
  const offset = 1n << BigInt(bits - 1)
  const packed: bigint[] = []
  for (let start = 0; start < values.length; start += per) {
    let element = 0n
    values.slice(start, start + per).forEach((v, i) => {
      if (v < -offset || v >= offset) throw new InputError(`Input value ${start + i} (${v}) does not fit in ${bits} signed bits.`)
      element += (v + offset) << BigInt(bits * i)
    })
    packed.push(element)
  }
  return packed
}

/**
 * The input commitment proven by the circuit (`SaltedInputHash`): the values
 * packed by {@link packInput}, hashed with {@link poseidonChain} into h; with
 * a salt s ≠ 0, Poseidon(h, s) in its own domain ({@link saltedHash}) instead.
 * A salt of 0 (or none) gives h, the unsalted hash, so unsalted statements and
 * requests are unchanged.
 *
 * @param options.salt A private field element (0 ≤ salt < r) that hides the input from anyone hashing guesses.
 * @throws {InputError} For a salt outside the field, or values that do not fit (see {@link packInput}).
 */
export async function hashInput(values: readonly bigint[], bits: number, { salt }: { salt?: bigint | undefined } = {}): Promise<bigint> {
  const hash = await poseidonChain(packInput(values, bits))
  if (salt === undefined || salt === 0n) return hash
  if (salt < 0n || salt >= FIELD_ORDER) throw new InputError('The salt must be a field element (0 ≤ salt < r).')
  return saltedHash(hash, salt)
}

/**
 * Parses a salt as a JSON input line or a flag gives it: a decimal or 0x-hex string (or a
 * safe integer), a field element. The salt itself never appears in the error.
 *
 * @throws {InputError} For anything else.
 */
export function parseSalt(value: unknown, where = 'salt'): bigint {
  let salt: bigint | undefined
  if (typeof value === 'string' && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value)) salt = BigInt(value)
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) salt = BigInt(value)
  if (salt === undefined || salt >= FIELD_ORDER) {
    throw new InputError(`${where}: the salt must be a field element (0 ≤ salt < r) as a decimal or 0x-hex string.`, {
      details: 'A fresh random salt comes from `glassbox request --private`, or any 31 random bytes in hex.',
    })
  }
  return salt
}
