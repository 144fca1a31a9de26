/**
 * Poseidon as glassbox's circuits chain it (circomlib's Poseidon over BN254,
 * field/poseidon.ts). The hashes every stage recomputes (input hash, weight
 * commitment) go through here. The functions stay async (they are public API)
 * though the hash no longer waits for anything.
 */
import { toField } from './fieldElement.js'
import { poseidon } from './poseidon.js'

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
  const field = values.map(toField)
  const first = Math.min(16, field.length)
  let hash = poseidon(field.slice(0, first))
  for (let start = first; start < field.length; start += 15) hash = poseidon([hash, ...field.slice(start, start + 15)])
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
  return poseidon([toField(hash), toField(salt)], SALTED_HASH_DOMAIN)
}
