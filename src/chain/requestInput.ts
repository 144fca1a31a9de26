import { randomBytes } from 'node:crypto'
import { FIELD_ORDER } from '../field/fieldElement.js'
import { hashInput } from '../field/hashInput.js'
import { packInput } from '../field/packInput.js'
import { InputError } from '../errors.js'

/**
 * The input a request carries: the model's quantized input values packed exactly as the
 * circuit's input hash packs them (B-bit values offset by 2^(B−1), ⌊253/B⌋ per field element),
 * each element one 32-byte big-endian word. So the bytes are the hash's preimage, as compact as
 * the hash allows (a 28×28 image at 16 bits is 53 words, 1.7 kB).
 */
export function encodeRequestInput(values: readonly bigint[], bits: number): string {
  return `0x${packInput(values, bits).map((e) => e.toString(16).padStart(64, '0')).join('')}`
}

/**
 * Unpacks a request's input bytes into `count` quantized values.
 * @throws {InputError} When the bytes are not whole words, have the wrong length, or a word is
 *   not a field element or has bits set beyond its values.
 */
export function decodeRequestInput(hex: string, bits: number, count: number): bigint[] {
  const body = hex.startsWith('0x') ? hex.slice(2) : hex
  const per = Math.floor(253 / bits)
  const words = Math.ceil(count / per)
  if (body.length !== words * 64 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new InputError(`The request's input is ${body.length / 2} bytes; this model's ${count} values at ${bits} bits pack into ${words * 32}.`, {
      details: 'The request was made for another model or with another encoding: do not lock it.',
    })
  }
  const offset = 1n << BigInt(bits - 1)
  const mask = (1n << BigInt(bits)) - 1n
  const values: bigint[] = []
  for (let w = 0; w < words; w++) {
    let element = BigInt(`0x${body.slice(w * 64, (w + 1) * 64)}`)
    if (element >= FIELD_ORDER) throw new InputError(`Word ${w} of the request's input is not a field element.`)
    const here = Math.min(per, count - w * per)
    for (let i = 0; i < here; i++) {
      values.push((element & mask) - offset)
      element >>= BigInt(bits)
    }
    if (element !== 0n) throw new InputError(`Word ${w} of the request's input has bits set beyond its ${here} values.`)
  }
  return values
}

export type HashRequestInputParameters = {
  values: readonly bigint[]
  bits: number
  /**
   * Optional private salt (a field element): the hash becomes Poseidon(h, salt) with h the
   * circuit's unsalted input hash, so an input cannot be recovered by hashing guesses. The
   * circuit proves the same (`SaltedInputHash`); a salt of 0 is no salt.
   */
  salt?: bigint | undefined
}

/** The Poseidon input hash a request names: the circuit's `inputHash`, optionally salted. */
export async function hashRequestInput({ values, bits, salt }: HashRequestInputParameters): Promise<bigint> {
  return hashInput(values, bits, { salt })
}

/** A fresh random salt: 31 bytes from the OS, always a non-zero field element. */
export function randomSalt(): bigint {
  for (;;) {
    const salt = BigInt(`0x${randomBytes(31).toString('hex')}`)
    if (salt !== 0n) return salt
  }
}
