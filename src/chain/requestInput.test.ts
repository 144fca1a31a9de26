import { describe, expect, it } from 'vitest'
import { FIELD_ORDER, hashInput, poseidonChain } from '../compile/poseidonChain.js'
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

  it('salts: Poseidon(h, salt), a field element, different per salt', async () => {
    const h = await hashInput(values, 16)
    const salt = randomSalt()
    expect(salt).toBeLessThan(FIELD_ORDER)
    expect(await hashRequestInput({ values, bits: 16, salt })).toBe(await poseidonChain([h, salt]))
    expect(await hashRequestInput({ values, bits: 16, salt: salt + 1n })).not.toBe(await hashRequestInput({ values, bits: 16, salt }))
    await expect(hashRequestInput({ values, bits: 16, salt: FIELD_ORDER })).rejects.toThrow(InputError)
  })
})
