import { writeFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../artifacts/manifest.js'
import { FIELD_ORDER, toField } from '../field/fieldElement.js'
import { InputError, VerifyError } from '../errors.js'
import type { ProofRecord } from '../prove/proofRecord.js'
import { checkProofRecord } from './checkProofRecord.js'
import { readProofs } from './readProofs.js'

const VKEY = 'ab'.repeat(32)

/** The public-signal layout of a 3-output model with argmax, hashed input and prover binding, at output scale 2^4. */
function manifestWith({ argmax = true }: { argmax?: boolean } = {}): Manifest {
  const signals: Manifest['publicSignals'] = [0, 1, 2].map((k) => ({ index: k, role: 'output', signal: `main.out[${k}]`, position: k }))
  if (argmax) signals.push({ index: 3, role: 'class', signal: 'main.predicted', position: 0 })
  signals.push({ index: signals.length, role: 'inputHash', signal: 'main.inputHash', position: 0 })
  signals.push({ index: signals.length, role: 'prover', signal: 'main.prover', position: 0 })
  return { output: { shape: [1, 3], scale: 4, visibility: 'public', argmax }, publicSignals: signals } as unknown as Manifest
}

const proof = { pi_a: ['1', '2', '1'], pi_b: [['1', '2'], ['3', '4'], ['1', '0']], pi_c: ['5', '6', '1'], protocol: 'groth16', curve: 'bn128' }

/** A record consistent with outputs [-8, 40, 3] (class 1). */
function record(overrides: Partial<ProofRecord> & Record<string, unknown> = {}, { argmax = true } = {}): ProofRecord {
  const outputQ = [-8n, 40n, 3n]
  const publicSignals = [...outputQ.map((q) => toField(q).toString()), ...(argmax ? ['1'] : []), '12345', '999']
  return {
    id: 'a',
    output: outputQ.map((q) => Number(q) / 16),
    outputQ: outputQ.map(String),
    ...(argmax ? { class: 1 } : {}),
    publicSignals,
    proof,
    backend: 'native',
    ms: 1,
    ...overrides,
  } as ProofRecord
}

describe('checkProofRecord', () => {
  const manifest = manifestWith()

  it('finds nothing wrong with a consistent record, with or without the key hash', () => {
    expect(checkProofRecord(record(), { manifest, vkeySha256: VKEY })).toEqual([])
    expect(checkProofRecord(record({ vkeySha256: VKEY }), { manifest, vkeySha256: VKEY })).toEqual([])
    expect(checkProofRecord(record({}, { argmax: false }), { manifest: manifestWith({ argmax: false }) })).toEqual([])
  })

  it.each([
    ['an outputQ the proof does not prove', { outputQ: ['-8', '41', '3'] }, /outputQ\[1\] = 41 but the proof says 40/],
    ['an output float that is not outputQ / 2^scale', { output: [-0.5, 2.6, 0.1875] }, /output\[1\] = 2\.6 but outputQ\[1\] \/ 2\^4 = 2\.5/],
    ['a class the proof does not prove', { class: 2 }, /class = 2 but the proof says 1/],
    ['no class where the circuit proves one', { class: undefined }, /no "class", but the circuit proves one/],
    ['another verification key', { vkeySha256: 'cd'.repeat(32) }, /another verification key/],
    ['too few outputs', { outputQ: ['-8', '40'], output: [-0.5, 2.5] }, /outputQ has 2 values, the model has 3/],
    ['the wrong number of public signals', { publicSignals: ['1', '2'] }, /expected 6 public signals, found 2/],
  ])('names %s', (_, overrides, problem) => {
    const problems = checkProofRecord(record(overrides as Partial<ProofRecord>), { manifest, vkeySha256: VKEY })
    expect(problems.join('; ')).toMatch(problem)
  })

  it('refuses a layout that leaves an output unproven, and a proven class beyond the outputs', () => {
    // A damaged (or hostile) manifest: output 1 has no signal, its place taken by a second output 0.
    const holed = structuredClone(manifest)
    holed.publicSignals[1] = { ...holed.publicSignals[1]!, position: 0 }
    expect(checkProofRecord(record(), { manifest: holed }).join()).toMatch(/prove no value for output 1/)
    const signals = [...record().publicSignals]
    signals[3] = '3'
    expect(checkProofRecord(record({ publicSignals: signals, class: 3 }), { manifest }).join()).toMatch(/proven class 3 is not one of the model's 3 outputs/)
  })

  it('refuses a class on a circuit that proves none', () => {
    expect(checkProofRecord(record({ class: 0 }, { argmax: false }), { manifest: manifestWith({ argmax: false }) }).join()).toMatch(/proves no class/)
  })
})

describe('readProofs', () => {
  let dir: string
  const file = async (name: string, text: string) => {
    dir ??= await mkdtemp(join(tmpdir(), 'glassbox-proofs-'))
    const path = join(dir, name)
    await writeFile(path, text)
    return path
  }
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  const line = (r: unknown) => `${JSON.stringify(r)}\n`

  it('reads well-formed records with their line numbers', async () => {
    const records = await readProofs(await file('good.jsonl', line(record()) + '\n' + line(record({ id: 'b' }))))
    expect(records.map((r) => [r.id, r.lineNumber])).toEqual([['a', 1], ['b', 3]])
  })

  it('refuses a file with no records (exit 2: nothing verified is not a pass)', async () => {
    for (const text of ['', '\n\n']) {
      const error = await readProofs(await file('empty.jsonl', text)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(VerifyError)
      expect((error as VerifyError).shortMessage).toMatch(/holds no proof records/)
      expect((error as VerifyError).exitCode).toBe(2)
    }
    expect(await readProofs(await file('empty-ok.jsonl', ''), { allowEmpty: true })).toEqual([])
  })

  it('names the line of a line that is not JSON', async () => {
    await expect(readProofs(await file('torn.jsonl', line(record()) + '{"id": "b", "outp'))).rejects.toThrow(InputError)
    await expect(readProofs(await file('torn.jsonl', line(record()) + '{"id": "b", "outp'))).rejects.toThrow(/torn\.jsonl:2 is not valid JSON/)
  })

  it.each([
    ['no id', { id: 7 }, /no string "id"/],
    ['a non-decimal public signal', { publicSignals: ['0x1', '2', '3', '1', '5', '6'] }, /publicSignals/],
    ['a public signal beyond the field', { publicSignals: [(FIELD_ORDER + 1n).toString(), '2', '3', '1', '5', '6'] }, /below the BN254 scalar field order/],
    ['a non-integer outputQ', { outputQ: ['1.5', '2', '3'] }, /"outputQ"/],
    ['a NaN-like output', { output: [null, 1, 2] }, /"output"/],
    ['a fractional class', { class: 1.5 }, /"class"/],
    ['a proof with a missing coordinate', { proof: { ...proof, pi_a: ['1', '2'] } }, /snarkjs Groth16 proof/],
    ['a PLONK proof', { proof: { ...proof, protocol: 'plonk' } }, /not Groth16 on bn128/],
  ])('refuses %s with a VerifyError naming the line', async (_, overrides, message) => {
    const path = await file('bad.jsonl', line(record()) + line(record({ id: 'b', ...overrides } as Partial<ProofRecord>)))
    const error = await readProofs(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(VerifyError)
    expect((error as VerifyError).shortMessage).toMatch(/bad\.jsonl:2: /)
    expect((error as VerifyError).shortMessage).toMatch(message)
  })
})
