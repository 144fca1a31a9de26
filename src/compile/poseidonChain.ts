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
 * The input commitment proven by the circuit (`PackedInputHash`): the values
 * packed by {@link packInput}, then hashed with {@link poseidonChain}.
 */
export async function hashInput(values: readonly bigint[], bits: number): Promise<bigint> {
  return poseidonChain(packInput(values, bits))
}
