import { describe, expect, it } from 'vitest'
import { FIELD_ORDER } from '../field/fieldElement.js'
import { hashInput } from '../field/hashInput.js'
import { packInput } from '../field/packInput.js'
import { poseidonChain, saltedHash } from '../field/poseidonChain.js'
import { InputError } from '../errors.js'
import { decodeRequestInput, encodeRequestInput, hashRequestInput, randomSalt } from './requestInput.js'

describe('request input encoding and hash', () => {
  const values = Array.from({ length: 40 }, (_, i) => BigInt((i * 7919) % 65_536) - 32_768n)

  it('round-trips, and the bytes are the circuit hash preimage', async () => {
    const hex = encodeRequestInput(values, 16)
    expect((hex.length - 2) / 2).toBe(32 * Math.ceil(40 / 15))
    expect(decodeRequestInput(hex, 16, 40)).toEqual(values)
    expect(await hashRequestInput({ values, bits: 16 })).toBe(await hashInput(values, 16))
  })

  it('refuses malformed input bytes', () => {
    const hex = encodeRequestInput(values, 16)
    expect(() => decodeRequestInput(hex, 16, 46)).toThrow(InputError)
    expect(() => decodeRequestInput(`${hex}00`, 16, 40)).toThrow(InputError)
    const last = BigInt(`0x${hex.slice(-64)}`) | (1n << 200n) // bits beyond the 10 values of the last word
    expect(() => decodeRequestInput(`${hex.slice(0, -64)}${last.toString(16).padStart(64, '0')}`, 16, 40)).toThrow(/beyond/)
    expect(() => encodeRequestInput([40_000n], 16)).toThrow(/16 signed bits/)
  })

  it('salts: Poseidon(h, salt) in its own domain, a field element, different per salt', async () => {
    const h = await hashInput(values, 16)
    const salt = randomSalt()
    expect(salt).toBeLessThan(FIELD_ORDER)
    expect(await hashRequestInput({ values, bits: 16, salt })).toBe(await saltedHash(h, salt))
    expect(await hashRequestInput({ values, bits: 16, salt: salt + 1n })).not.toBe(await hashRequestInput({ values, bits: 16, salt }))
    await expect(hashRequestInput({ values, bits: 16, salt: FIELD_ORDER })).rejects.toThrow(InputError)
  })

  it('a salted hash is never the unsalted hash of the input that packs into (h, salt)', async () => {
    // 30 values of 11 bits pack into two words (23 + 7 values): without a domain of its own, the
    // salted hash Poseidon(h_X, s) would be the unsalted hash of Y = unpack(h_X) ‖ unpack(s).
    const bits = 11
    const unpack = (word: bigint, count: number) => Array.from({ length: count }, (_, i) => ((word >> BigInt(bits * i)) & 0x7ffn) - 1024n)
    let x = Array.from({ length: 30 }, (_, i) => BigInt((i * 37) % 2000) - 1000n)
    let hx = await hashInput(x, bits)
    while (hx >= 1n << 253n) {
      x = x.map((v) => (v === 1000n ? -1000n : v + 1n))
      hx = await hashInput(x, bits)
    }
    const salt = 0x1234567890abcdefn // fits the 7 values of the second word
    const y = [...unpack(hx, 23), ...unpack(salt, 7)]
    expect(packInput(y, bits)).toEqual([hx, salt])
    expect(await poseidonChain([hx, salt])).toBe(await hashInput(y, bits)) // the collision an undomained salt would allow
    expect(await hashInput(x, bits, { salt })).not.toBe(await hashInput(y, bits))
  })
})
