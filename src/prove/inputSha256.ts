import { createHash } from 'node:crypto'

/**
 * SHA-256 (hex) of an input's canonical JSON: the float array as
 * `JSON.stringify` writes it (ECMAScript's shortest round-trip number form, no
 * spaces), so the same values hash alike however the inputs file spelled them
 * (`5.10`, `5.1e0`, spaces). A proof record carries it, and a resumed batch
 * refuses a record whose input changed under the same id.
 */
export function inputSha256(input: readonly number[]): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex')
}
