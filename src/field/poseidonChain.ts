/**
 * Poseidon as glassbox's circuits chain it (circomlib's Poseidon over BN254).
 * The hashes every stage recomputes (input hash, weight commitment) go
 * through here; field elements alone are in fieldElement.ts, which loads no
 * Poseidon.
 */
import type { PoseidonHasher } from 'circomlibjs'
import { toField } from './fieldElement.js'

let poseidonPromise: Promise<PoseidonHasher> | undefined

// circomlibjs builds its round constants once; every caller shares them. It is
// imported lazily: its entry point also loads blake-hash, a native addon that
// crashes the process when loaded in a worker thread, so proving workers
// (which only need fieldElement.ts) must never load it.
function getPoseidon(): Promise<PoseidonHasher> {
  poseidonPromise ??= import('circomlibjs').then(({ buildPoseidon }) => buildPoseidon())
  return poseidonPromise
}

/**
 * Starts building the hasher now (about half a second: circomlibjs builds
 * the whole bn128 curve), so a caller that will hash later can overlap it
 * with other start-up. A failure surfaces at the first hash.
 */
export function preparePoseidon(): void {
  getPoseidon().catch(() => undefined)
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
