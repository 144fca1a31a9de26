import { describe, expect, it } from 'vitest'
import * as glassbox from '../index.js'
import { FIELD_ORDER } from './fieldElement.js'
import { hashInput } from './hashInput.js'
import { packInput } from './packInput.js'
import { poseidonChain, saltedHash } from './poseidonChain.js'

// The circuit side of these (PackedInputHash, SaltedInputHash = hashInput bit for bit) is
// test/circuits/saltAndPacking.test.ts; this checks the package exposes the same function.
describe('hashInput', () => {
  it('is exported from the package, salted and unsalted', async () => {
    expect(glassbox.hashInput).toBe(hashInput)
    const values = [3n, -1n, 7n, 0n]
    const h = await glassbox.hashInput(values, 16)
    expect(h).toBe(await poseidonChain(packInput(values, 16)))
    expect(await glassbox.hashInput(values, 16, { salt: 0n })).toBe(h)
    expect(await glassbox.hashInput(values, 16, { salt: 5n })).toBe(await saltedHash(h, 5n))
  })

  it('refuses a salt outside the field and a value outside its bits', async () => {
    await expect(hashInput([1n], 8, { salt: FIELD_ORDER })).rejects.toThrow(/field element/)
    await expect(hashInput([200n], 8)).rejects.toThrow(/does not fit in 8 signed bits/)
  })
})
