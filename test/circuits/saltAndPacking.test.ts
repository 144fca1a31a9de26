/**
 * The two templates that shape a model's public statement: SaltedInputHash (the input hash
 * with an optional private salt) and PackWord (outputs and class in one public word). Honest
 * values match the TypeScript (hashInput / hashRequestInput, planOutputPacking +
 * decodePublicSignals); forged witnesses — a wrong salt for the claimed hash, a non-zero salt
 * with the unsalted hash, a packed word that decodes to other outputs — fail the constraint
 * check; the --O2 counts match estimateConstraints.
 */
import { describe, expect, it } from 'vitest'
import { decodePublicSignals } from '../../src/artifacts/decodePublicSignals.js'
import { encodePublicSignals } from '../../src/artifacts/encodePublicSignals.js'
import type { PublicSignalLayout } from '../../src/artifacts/manifest.js'
import { planOutputPacking } from '../../src/artifacts/planOutputPacking.js'
import { hashRequestInput } from '../../src/chain/requestInput.js'
import { outputPackingConstraints, saltConstraints } from '../../src/compile/estimateConstraints.js'
import { FIELD_ORDER } from '../../src/field/fieldElement.js'
import { hashInput } from '../../src/field/hashInput.js'
import { poseidonChain, saltedHash } from '../../src/field/poseidonChain.js'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import type { FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import { CompileError } from '../../src/errors.js'
import { compileTestCircuit } from '../support/circuitTester.js'

const TIMEOUT = 180_000
const B = 8
const compile = (main: string, optimization: 1 | 2 = 2) =>
  compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main ${main};\n`, { optimization })

describe('SaltedInputHash', () => {
  const x = [1n, -2n, 3n, -128n, 127n]

  it('is the unsalted hash for salt 0 and Poseidon(h, salt) in the salted domain otherwise, as hashInput and hashRequestInput compute', async () => {
    const t = await compile(`= SaltedInputHash(${x.length}, ${B})`)
    const h = await hashInput(x, B)
    const w0 = await t.expectPass({ in: x, salt: 0n })
    expect(w0[t.signal('main.hash')]).toBe(h)
    expect(await hashRequestInput({ values: x, bits: B, salt: 0n })).toBe(h)
    for (const salt of [1n, 0xdeadbeefn, FIELD_ORDER - 1n]) {
      const w = await t.expectPass({ in: x, salt })
      expect(w[t.signal('main.hash')]).toBe(await saltedHash(h, salt))
      expect(w[t.signal('main.hash')]).not.toBe(await poseidonChain([h, salt]))
      expect(w[t.signal('main.hash')]).toBe(await hashRequestInput({ values: x, bits: B, salt }))
      expect(w[t.signal('main.hash')]).toBe(await hashInput(x, B, { salt }))
    }
  }, TIMEOUT)

  it('costs PackedInputHash + Poseidon(2) + 3 at --O2', async () => {
    const salted = await compile(`= SaltedInputHash(${x.length}, ${B})`)
    const plain = await compile(`= PackedInputHash(${x.length}, ${B})`)
    expect(salted.constraintCount - plain.constraintCount).toBe(saltConstraints(false))
  }, TIMEOUT)

  it('refuses a wrong salt for the claimed hash, and a non-zero salt claiming the unsalted hash', async () => {
    const t = await compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";
template Claimed(n, B) { signal input in[n]; signal input salt; signal input claimed; component h = SaltedInputHash(n, B); h.in <== in; h.salt <== salt; h.hash === claimed; }
component main {public [claimed]} = Claimed(${x.length}, ${B});\n`)
    const salt = 123456789n
    const claimed = await hashInput(x, B, { salt })
    await t.expectPass({ in: x, salt, claimed })
    await t.expectFail({ in: x, salt: salt + 1n, claimed })
    await t.expectFail({ in: x, salt: 0n, claimed })
    await t.expectFail({ in: x, salt, claimed: await hashInput(x, B) })
  }, TIMEOUT)

  it('a forged witness cannot switch the salt off: salt ≠ 0 with unsalted = 1 and hash = h fails', async () => {
    const t = await compile(`= SaltedInputHash(${x.length}, ${B})`, 1)
    const salt = 99n
    const h = await hashInput(x, B)
    const w = await t.witness({ in: x, salt })
    // The attacker keeps every Poseidon wire honest and claims the mux picked h: inv chosen so
    // that 1 − salt·inv = 1 (inv = 0); only salt · unsalted = 0 objects.
    for (const inv of [0n, 5n]) {
      const unsalted = (1n - salt * inv + FIELD_ORDER * 4n) % FIELD_ORDER
      const forged = t.forge(w, { 'main.inv': inv, 'main.unsalted': unsalted, 'main.hash': h })
      expect(t.checkConstraints(forged).ok).toBe(false)
    }
    // And with salt = 0 the prover cannot pick the salted branch (unsalted = 0 breaks 1 − 0·inv).
    const w0 = await t.witness({ in: x, salt: 0n })
    const salted = await poseidonChain([h, 0n])
    expect(t.checkConstraints(t.forge(w0, { 'main.unsalted': 0n, 'main.hash': salted })).ok).toBe(false)
    // Control: the honest witness passes the same check.
    expect(t.checkConstraints(w).ok).toBe(true)
  }, TIMEOUT)
})

describe('PackWord and the packed layout', () => {
  it('plans ⌊252/B⌋ outputs a word, the class after the last word\'s outputs', () => {
    expect(planOutputPacking({ outputs: 10, bits: 16, argmax: true })).toEqual([{ first: 0, count: 10, bits: 16, class: true, classBits: 4 }])
    expect(planOutputPacking({ outputs: 3, bits: 16, argmax: false })).toEqual([{ first: 0, count: 3, bits: 16, class: false, classBits: 0 }])
    // 63 outputs of 4 bits fill a word exactly: the class takes the last output to a new word.
    expect(planOutputPacking({ outputs: 63, bits: 4, argmax: true })).toEqual([
      { first: 0, count: 62, bits: 4, class: false, classBits: 0 },
      { first: 62, count: 1, bits: 4, class: true, classBits: 6 },
    ])
    expect(planOutputPacking({ outputs: 100, bits: 40, argmax: true }).map((w) => w.count)).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 4])
    // A word holds at most 252 bits: an output that wide leaves no room for the class.
    expect(planOutputPacking({ outputs: 2, bits: 252, argmax: false })).toHaveLength(2)
    expect(() => planOutputPacking({ outputs: 2, bits: 252, argmax: true })).toThrow(CompileError)
  })

  const layout = (words: ReturnType<typeof planOutputPacking>): PublicSignalLayout =>
    words.map((packing, j) => ({ index: j, role: 'packedOutputs', signal: `main.packedOutputs[${j}]`, position: j, packing }))

  it('packs in-circuit what encodePublicSignals packs and decodePublicSignals reads back', async () => {
    const t = await compile(`= PackWord(3, ${B}, 2)`)
    const out = [-128n, 0n, 127n]
    const w = await t.expectPass({ in: out, tail: 2n })
    const lay = layout([{ first: 0, count: 3, bits: B, class: true, classBits: 2 }])
    const word = w[t.signal('main.word')]!
    expect([word]).toEqual(encodePublicSignals(lay, { outputQ: out, class: 2 }))
    expect(decodePublicSignals(lay, [word])).toEqual({ outputQ: out, class: 2 })
    expect(t.constraintCount).toBe(outputPackingConstraints([{ first: 0, count: 3, bits: B, class: true, classBits: 2 }], false))
  }, TIMEOUT)

  it('refuses outputs beyond their bound and a class beyond its bits', async () => {
    const t = await compile(`= PackWord(2, ${B}, 2)`)
    await t.expectFail({ in: [128n, 0n], tail: 0n })
    await t.expectFail({ in: [0n, -129n], tail: 0n })
    await t.expectFail({ in: [0n, 0n], tail: 4n })
    const none = await compile(`= PackWord(2, ${B}, 0)`)
    await none.expectPass({ in: [5n, -5n], tail: 0n })
    await none.expectFail({ in: [5n, -5n], tail: 1n })
  }, TIMEOUT)

  it('a forged witness cannot make one word say other outputs (a carry between slots)', async () => {
    // (a + 2^B, b − 1) packs to the word of (a, b); only the range check stands between them.
    const t = await compile(`= PackWord(2, ${B}, 0)`, 1)
    const w = await t.witness({ in: [5n, 9n], tail: 0n })
    const values: Record<string, bigint> = { 'main.in[0]': 5n + 256n, 'main.in[1]': 8n, 'main.range[0].value': 5n + 256n + 128n, 'main.range[1].value': 8n + 128n }
    // Bits of the forged slot-0 value written with a carry (sum kept, booleanity broken) …
    const v0 = 5n + 256n + 128n
    for (let b = 0; b < B; b++) values[`main.range[0].bits[${b}]`] = (v0 >> BigInt(b)) & 1n
    values['main.range[0].bits[0]'] = values['main.range[0].bits[0]']! + (v0 - (v0 & 255n))
    for (let b = 0; b < B; b++) values[`main.range[1].bits[${b}]`] = ((8n + 128n) >> BigInt(b)) & 1n
    expect(t.checkConstraints(t.forge(w, values)).ok).toBe(false)
    // … or wrapped (booleans kept, the sum broken).
    values['main.range[0].bits[0]'] = v0 & 1n
    expect(t.checkConstraints(t.forge(w, values)).ok).toBe(false)
    expect(t.checkConstraints(w).ok).toBe(true)
  }, TIMEOUT)

  it('decodePublicSignals refuses a word with bits beyond its parts', () => {
    const lay = layout([{ first: 0, count: 2, bits: B, class: false, classBits: 0 }])
    expect(() => decodePublicSignals(lay, [1n << 16n])).toThrow(/bits set beyond/)
  })
})

describe('a whole model, packed and salted', () => {
  const strings = (values: number[]) => values.map(String)
  // 3 inputs → dense 3→5 (ReLU) → dense 5→4 at 8 bits: 4 outputs + a 2-bit class in one word.
  const model: FixedPointModel = {
    format: FIXED_POINT_FORMAT,
    name: 'packed',
    bits: 8,
    weightBits: 8,
    input: { name: 'x', shape: [3], scale: 4, bits: 8 },
    output: { name: 'y', shape: [4], scale: 4, bits: 8 },
    layers: [
      { kind: 'dense', name: 'd0', input: 'x', output: 't0', scale: 4, bits: 8, inFeatures: 3, outFeatures: 5, weight: strings([5, -3, 7, -6, 2, 1, 3, 3, -3, 1, -1, 2, 4, 0, -2]), bias: strings([4, -20, 100, -7, 3]), weightScale: 3, shift: 3, relu: true },
      { kind: 'dense', name: 'd1', input: 't0', output: 'y', scale: 4, bits: 8, inFeatures: 5, outFeatures: 4, weight: strings([1, 2, -1, 3, -2, 1, 1, 1, 4, -4, 2, -1, 0, 3, 1, -3, 2, 2, -1, 1]), bias: strings([0, 5, -5, 2]), weightScale: 1, shift: 1, relu: false },
    ],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
  const options = { outputSignals: 'packed', salt: true } as const
  const layout = planOutputPacking({ outputs: 4, bits: 8, argmax: true }).map((packing, j) => ({ index: j, role: 'packedOutputs' as const, signal: `main.packedOutputs[${j}]`, position: j, packing }))

  it.each([1, 2] as const)('proves the evaluator\'s outputs and class in one word and the salted hash, at the estimated cost (--O%i)', async (optimization) => {
    const t = await compileTestCircuit(emitCircom(model, options), { optimization })
    expect(t.constraintCount).toBe(totalConstraints(estimateConstraints(model, { ...options, optimization })))
    expect(t.r1cs.publicOutputs).toBe(2) // packedOutputs[0], inputHash (prover is a public input)
    // Inputs inside the model's range (evaluateFixed refuses an overflow, and so does the circuit).
    const grid = [-40, -9, 0, 3, 17, 40]
    const inRange = grid.flatMap((a) => grid.map((b) => [a, b, -a])).filter((x) => {
      try {
        evaluateFixed(model, x.map(BigInt))
        return true
      } catch {
        return false
      }
    })
    expect(inRange.length).toBeGreaterThan(5)
    for (const [k, x] of [inRange[0]!, inRange[Math.floor(inRange.length / 2)]!, inRange.at(-1)!].entries()) {
      const salt = k === 1 ? 0n : BigInt(k + 1) * 7919n
      const { inputQ, signals } = circuitInput(model, x.map((v) => v / 16), '0x00000000000000000000000000000000000000aa', { salted: true, salt })
      const w = await t.expectPass(signals as never)
      const expected = evaluateFixed(model, inputQ)
      expect(decodePublicSignals(layout, [w[t.signal('main.packedOutputs[0]')]!])).toEqual({ outputQ: expected.outputQ, class: expected.argmax })
      expect(w[t.signal('main.inputHash')]).toBe(await hashInput(inputQ, 8, { salt }))
    }
  }, TIMEOUT)
})
