import { buildPoseidon } from 'circomlibjs'
import { describe, expect, it } from 'vitest'
import { FIELD_ORDER } from './fieldElement.js'
import { poseidon } from './poseidon.js'

describe('poseidon', () => {
  it("is circomlibjs's Poseidon for every width, edge values and both initial states", async () => {
    const reference = await buildPoseidon()
    let seed = 0x9e3779b97f4a7c15n
    const next = () => {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n
      return (seed * seed * seed) % FIELD_ORDER
    }
    for (let n = 1; n <= 16; n++) {
      const cases = [Array.from({ length: n }, next), Array.from({ length: n }, () => 0n), Array.from({ length: n }, (_, i) => (i % 2 ? FIELD_ORDER - 1n : 1n))]
      for (const inputs of cases) {
        for (const initialState of [0n, 1n]) {
          const want = reference.F.toObject(reference(inputs, initialState)) as bigint
          expect(poseidon(inputs, initialState), `${n} inputs, initial state ${initialState}`).toBe(want)
        }
      }
    }
  })

  it('reduces inputs outside the field first, as circomlibjs does', async () => {
    const reference = await buildPoseidon()
    const inputs = [-1n, FIELD_ORDER, FIELD_ORDER + 5n, -FIELD_ORDER - 7n]
    const want = reference.F.toObject(reference(inputs.map((v) => ((v % FIELD_ORDER) + FIELD_ORDER) % FIELD_ORDER))) as bigint
    expect(poseidon(inputs)).toBe(want)
  })

  it('takes 1 to 16 inputs', () => {
    expect(() => poseidon([])).toThrow(RangeError)
    expect(() => poseidon(Array.from({ length: 17 }, () => 1n))).toThrow(/1 to 16 inputs, not 17/)
  })
})
