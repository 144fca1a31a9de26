import { createHash } from 'node:crypto'

/**
 * SHA-256 (hex) of an input's canonical JSON: the float array as
 * `JSON.stringify` writes it (ECMAScript's shortest round-trip number form, no
 * spaces), so the same values hash alike however the inputs file spelled them
 * (`5.10`, `5.1e0`, spaces). A proof record carries it, and a resumed batch
 * refuses a record whose input changed under the same id.
 *
 * With a non-zero salt it is the SHA-256 of `{"input":[…],"salt":"<decimal>"}`: a hash of the
 * input alone would let anyone recover a salted input by hashing guesses, which is what the
 * salt is there to prevent (and a changed salt under the same id is a changed statement).
 */
export function inputSha256(input: readonly number[], salt?: bigint): string {
  const canonical = salt === undefined || salt === 0n ? JSON.stringify(input) : JSON.stringify({ input, salt: salt.toString() })
  return createHash('sha256').update(canonical).digest('hex')
}
