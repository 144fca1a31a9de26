import { InputError } from '../errors.js'
import { FIELD_ORDER } from './fieldElement.js'

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
