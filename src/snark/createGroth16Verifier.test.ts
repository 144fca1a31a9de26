import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGroth16Fixture, type Groth16Fixture } from '../../test/chain/groth16Fixture.js'
import { ArtifactError } from '../errors.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { FIELD_ORDER } from '../field/fieldElement.js'
import { createGroth16Verifier } from './createGroth16Verifier.js'
import type { Groth16ProofJson } from './groth16Proof.js'
import { releaseSnarkjs } from './snarkjsLogger.js'

// A point on BN254's twist that is not in the prime-order subgroup (found by native/src/verifier.rs's test).
const OUTSIDE_SUBGROUP = [
  ['9289615035082655225584689816471557387013824490064582474812587542486019927096', '9473953929808013225491444619960510211045006553986337003075064478428019336684'],
  ['8213832323622977062507790633484020380998302567102388466461313909734265253990', '1351037623529953172765045215656728466688261461703383274887888311003575945144'],
  ['1', '0'],
]
// BN254's base field modulus q.
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

const native = loadNativeAddon()?.NativeVerifier ? describe : describe.skip

native('the native Groth16 verifier agrees with snarkjs; out-of-range values are false', () => {
  let fixture: Groth16Fixture
  beforeAll(async () => {
    fixture = await buildGroth16Fixture([{ a: 3n, b: 11n, prover: '0x00000000000000000000000000000000000000aa' }])
  })
  afterAll(releaseSnarkjs)
  const valid = () => fixture.proofs[0]! as unknown as { proof: Groth16ProofJson; publicSignals: string[] }
  const both = () => [createGroth16Verifier({ verificationKey: fixture.verificationKey, backend: 'native' }), createGroth16Verifier({ verificationKey: fixture.verificationKey, backend: 'snarkjs' })] as const

  it('accepts the valid proof, and refuses a changed signal, a changed point, swapped points (both backends)', async () => {
    const { proof, publicSignals } = valid()
    const [ours, theirs] = both()
    expect(ours.backend).toBe('native')
    const cases: [Groth16ProofJson, string[], boolean][] = [
      [proof, publicSignals, true],
      [proof, publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) + 1n) : s)), false],
      [{ ...proof, pi_a: ['1', '2', '1'] }, publicSignals, false], // the G1 generator: on the curve, wrong
      [{ ...proof, pi_a: proof.pi_c, pi_c: proof.pi_a }, publicSignals, false],
    ]
    for (const [p, s, expected] of cases) {
      expect(await ours.verify(p, s)).toBe(expected)
      expect(await theirs.verify(p, s)).toBe(expected)
    }
    await theirs.close()
  })

  it('says false, never throws, for out-of-range values: a signal + r, q + x, a point off the curve or outside the subgroup, z ≠ 1, non-decimals', async () => {
    const { proof, publicSignals } = valid()
    const ours = createGroth16Verifier({ verificationKey: fixture.verificationKey, backend: 'native' })
    const plusR = publicSignals.map((s, i) => (i === 0 ? String(BigInt(s) + FIELD_ORDER) : s))
    const x = proof.pi_a
    for (const [p, s] of [
      [proof, plusR],
      [{ ...proof, pi_a: [String(BigInt(x[0]) + Q), x[1], '1'] }, publicSignals],
      [{ ...proof, pi_a: ['7', '1', '1'] }, publicSignals],
      [{ ...proof, pi_b: OUTSIDE_SUBGROUP }, publicSignals],
      [{ ...proof, pi_a: [x[0], x[1], '2'] }, publicSignals],
      [{ ...proof, pi_a: ['0x' + BigInt(x[0]).toString(16), x[1], '1'] }, publicSignals],
      [{ ...proof, pi_a: [x[0], x[1]] }, publicSignals],
      [proof, publicSignals.slice(1)],
      [proof, [...publicSignals.slice(0, -1), '-1']],
    ] as [Groth16ProofJson, string[]][]) {
      expect(await ours.verify(p, s)).toBe(false)
    }
  })

  it('refuses a verification key with a point off the curve, naming it', () => {
    const key = structuredClone(fixture.verificationKey) as { IC: string[][] }
    key.IC[1] = ['7', '1', '1']
    expect(() => createGroth16Verifier({ verificationKey: key, backend: 'native' })).toThrow(ArtifactError)
    expect(() => createGroth16Verifier({ verificationKey: key, backend: 'native' })).toThrow(/IC\[1\]/)
  })
})
