import { describe, expect, it } from 'vitest'
import { VerifyError } from '../errors.js'
import { proofToCalldata } from './proofToCalldata.js'

// Distinct values so a wrong swap or index shows; the third coordinates are the projective 1s.
const proof = {
  pi_a: ['11', '12', '1'],
  pi_b: [
    ['21', '22'],
    ['23', '24'],
    ['1', '0'],
  ],
  pi_c: ['31', '32', '1'],
  protocol: 'groth16',
  curve: 'bn128',
}
const publicSignals = ['33', '3', '1390849295786071768276380950238675083608645509734']

describe('proofToCalldata', () => {
  it('swaps the G2 coordinates of pi_b exactly as snarkjs exportSolidityCallData does', async () => {
    const SNARKJS: string = 'snarkjs' // untyped package: keep the import `any`
    const snarkjs = (await import(SNARKJS)) as { groth16: { exportSolidityCallData(p: unknown, s: unknown): Promise<string> } }
    const expected = JSON.parse(`[${await snarkjs.groth16.exportSolidityCallData(proof, publicSignals)}]`) as unknown
    const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
    const asBig = (x: unknown): unknown => (Array.isArray(x) ? x.map(asBig) : BigInt(x as string))
    expect([a, b, c, signals]).toEqual(asBig(expected))
    expect(b).toEqual([
      [22n, 21n],
      [24n, 23n],
    ])
  })

  it('throws VerifyError for malformed proofs and signals', () => {
    const bad = (p: unknown, s: unknown = publicSignals) => () => proofToCalldata(p as never, s as never)
    expect(bad({ ...proof, protocol: 'plonk' })).toThrow(VerifyError)
    expect(bad({ ...proof, curve: 'bls12381' })).toThrow(VerifyError)
    expect(bad({ ...proof, pi_a: ['1'] })).toThrow(/pi_a\[1\] is missing/)
    expect(bad({ ...proof, pi_b: [['1', '2']] })).toThrow(VerifyError)
    expect(bad({ ...proof, pi_c: ['1', '-2'] })).toThrow(/pi_c\[1\] is not an integer/)
    expect(bad({ ...proof, pi_c: ['1', (1n << 254n).toString()] })).toThrow(/base field/)
    expect(bad(proof, ['1', 'x'])).toThrow(/publicSignals\[1\]/)
    const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
    expect(bad(proof, [r.toString()])).toThrow(/scalar field/)
    expect(bad(proof, [(r - 1n).toString()])).not.toThrow()
  })
})
