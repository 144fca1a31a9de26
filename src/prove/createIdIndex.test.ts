import { describe, expect, it } from 'vitest'
import { createIdIndex } from './createIdIndex.js'
import { inputSha256 } from './inputSha256.js'

describe('createIdIndex', () => {
  it('finds every id it was given, after many doublings, and no other', () => {
    const index = createIdIndex(4)
    for (let i = 0; i < 50_000; i++) index.setInputLine(index.add(`id-${i}`), i + 1)
    expect(index.size).toBe(50_000)
    for (const i of [0, 1, 777, 49_999]) expect(index.get(index.find(`id-${i}`)).inputLine).toBe(i + 1)
    expect(index.find('id-50000')).toBe(-1)
    expect(index.find('')).toBe(-1)
    // Adding an id again returns its slot, not a new one.
    expect(index.add('id-5')).toBe(index.find('id-5'))
    expect(index.size).toBe(50_000)
    // 24 bytes a slot, at most 75% full: 2^17 slots for 50,000 ids.
    expect(index.bytes).toBe(2 ** 17 * 24)
  })

  it('keeps a proof line and the first 64 bits of the input hash', () => {
    const index = createIdIndex()
    const hash = inputSha256([5.1, 3.5, 1.4, 0.2])
    const slot = index.add('a')
    index.setProof(slot, 7, hash)
    expect(index.get(slot)).toEqual({ inputLine: 0, proofLine: 7, inputHashPrefix: hash.slice(0, 16) })
  })
})

describe('inputSha256', () => {
  it('hashes the canonical JSON of the floats, whatever the spelling in the file', () => {
    expect(inputSha256(JSON.parse('[5.10, 3.5e0, 1.4, 0.2]') as number[])).toBe(inputSha256([5.1, 3.5, 1.4, 0.2]))
    expect(inputSha256([5.1, 3.5, 1.4, 0.2])).not.toBe(inputSha256([5.1, 3.5, 1.4, 0.20000000000000004]))
  })
})
