import { InputError } from '../errors.js'
import { FIELD_ORDER } from './fieldElement.js'
import { packInput } from './packInput.js'
import { poseidonChain, saltedHash } from './poseidonChain.js'

/**
 * The input commitment proven by the circuit (`SaltedInputHash`): the values
 * packed by {@link packInput}, hashed with {@link poseidonChain} into h; with
 * a salt s ≠ 0, Poseidon(h, s) in its own domain ({@link saltedHash}) instead.
 * A salt of 0 (or none) gives h, the unsalted hash, so unsalted statements and
 * requests are unchanged.
 *
 * @example
 * const h = await hashInput([3n, -1n, 7n, 0n], 16) // the unsalted inputHash of a 16-bit, 4-value input
 * @param options.salt A private field element (0 ≤ salt < r) that hides the input from anyone hashing guesses.
 * @throws {InputError} For a salt outside the field, or values that do not fit (see {@link packInput}).
 */
export async function hashInput(values: readonly bigint[], bits: number, { salt }: { salt?: bigint | undefined } = {}): Promise<bigint> {
  const hash = await poseidonChain(packInput(values, bits))
  if (salt === undefined || salt === 0n) return hash
  if (salt < 0n || salt >= FIELD_ORDER) throw new InputError('The salt must be a field element (0 ≤ salt < r).')
  return saltedHash(hash, salt)
}
