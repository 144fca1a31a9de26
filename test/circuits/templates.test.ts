/**
 * The core templates of circuits/glassbox.circom (bits, ranges, the rescale,
 * ArgMax, the Poseidon chain, the prover binding; the templates of each layer
 * kind are tested beside it in src/layers/<kind>.test.ts), one small main component each:
 * honest values pass and give what the integer evaluator computes, values the
 * template must refuse fail witness generation, witnesses forged the way an
 * attacker would build them fail the R1CS itself, and the compiled --O2
 * constraint counts equal estimateConstraints' formulas.
 *
 * Forgeries run at --O1, where every named signal is still a wire, and again
 * at --O2 (what glassbox ships), where circom has substituted some signals
 * away: there the forged values of eliminated signals are implied by the
 * rest, so the assertions are about the public outputs an attacker could claim.
 */
import { describe, expect, it } from 'vitest'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { estimateConstraints, poseidonChainConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { toField } from '../../src/field/fieldElement.js'
import { poseidonChain } from '../../src/field/poseidonChain.js'
import { firstArgmax } from '../../src/quantize/evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import { inlineNames, rescaleOneNames, rescaleSignals } from '../../src/layers/testing/templateTesting.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import type { Signals } from '../support/forgery.js'
import { attackerBits, forgeAs } from '../support/forgery.js'

const B = 8
const K = 3
const TIMEOUT = 120_000

const compile = (main: string, optimization: 1 | 2 = 2) =>
  compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main ${main};\n`, { optimization })

const floorShift = (acc: bigint, k: number) => acc >> BigInt(k)
const relu = (v: bigint) => (v < 0n ? 0n : v)

describe.each([1, 2] as const)('RescaleOne at --O%i', (O) => {
  describe.each([0, 1])('relu = %i', (reluFlag) => {
    const useRelu = reluFlag === 1
    const limit = 1n << BigInt(K + B - 1)
    const expected = (acc: bigint) => (useRelu ? relu(floorShift(acc, K)) : floorShift(acc, K))
    const tester = () => compile(`= RescaleOne(${K}, ${B}, ${reluFlag})`, O)

    it('passes every acc in range with out = floor(acc / 2^k), ReLU applied', async () => {
      const t = await tester()
      for (let acc = -limit; acc < limit; acc++) {
        const w = await t.witness({ acc })
        expect(t.read(w, 'main.out')).toBe(expected(acc))
      }
      await t.expectPass({ acc: -limit }, { 'main.out': expected(-limit) })
      await t.expectPass({ acc: limit - 1n }, { 'main.out': expected(limit - 1n) })
    }, TIMEOUT)

    it('fails witness generation when floor(acc / 2^k) leaves the B-bit range', async () => {
      const t = await tester()
      for (const acc of [limit, -limit - 1n, 10n * limit, toField(-1n) / 2n]) await t.expectFail({ acc })
    }, TIMEOUT)

    it('rejects another quotient/remainder pair, however the bits are re-decomposed', async () => {
      const t = await tester()
      const size = 1n << BigInt(K)
      const base = await t.witness({ acc: 0 })
      const claim = (acc: bigint, q: bigint, r: bigint, mode: 'carry' | 'wrap' = 'carry') =>
        forgeAs(t, base, { 'main.acc': acc, ...rescaleSignals(rescaleOneNames('main'), acc, q, r, K, B, useRelu, mode) })
      for (const acc of [-1000n, -9n, -1n, 5n, 77n, 1000n]) {
        const q = floorShift(acc, K)
        const r = acc - q * size
        expect(t.checkConstraints(claim(acc, q, r)).ok, `control ${acc}`).toBe(true)
        for (const mode of ['carry', 'wrap'] as const) {
          for (const [q2, r2] of [[q + 1n, r - size], [q - 1n, r + size]] as const) {
            expect(t.checkConstraints(claim(acc, q2, r2, mode)).ok, `acc ${acc}: q ${q2}, r ${r2}, ${mode}`).toBe(false)
          }
        }
        const w = await t.witness({ acc })
        expect(t.checkConstraints(t.forge(w, { 'main.out': expected(acc) + 1n })).ok).toBe(false)
      }
    }, TIMEOUT)

    if (useRelu) it('rejects a negative value passed through ReLU and a positive one zeroed', async () => {
      const t = await tester()
      const size = 1n << BigInt(K)
      const base = await t.witness({ acc: 0 })
      for (const acc of [-777n, -8n, 8n, 777n]) {
        const w = await t.witness({ acc })
        const q = floorShift(acc, K)
        const r = acc - q * size
        const claimed = q < 0n ? q : 0n
        expect(t.checkConstraints(t.forge(w, { 'main.out': claimed })).ok, `out ${claimed} for q ${q}`).toBe(false)
        // Or flip the sign bit and keep the decomposition's sum with the carry.
        const flipped: Signals = { 'main.acc': acc, ...rescaleSignals(rescaleOneNames('main'), acc, q, r, K, B, true) }
        expect(t.checkConstraints(forgeAs(t, base, flipped)).ok, `control ${acc}`).toBe(true)
        const top = `main.bits.bits[${K + B - 1}]`
        const bitK = `main.bits.bits[${K}]`
        const sign = flipped[top]!
        flipped[top] = 1n - sign
        flipped[bitK] = flipped[bitK]! + (sign === 1n ? 1n : -1n) * (1n << BigInt(B - 1))
        flipped['main.out'] = claimed
        expect(t.checkConstraints(forgeAs(t, base, flipped)).ok, `flipped sign for q ${q}`).toBe(false)
      }
    }, TIMEOUT)
  })
})

describe.each([1, 2] as const)('the rescale, exhaustively for k = 2, B = 3 at --O%i', (O) => {
  const variants = [
    ['RescaleOne', 0, (relu: number) => `= RescaleOne(2, 3, ${relu})`, 'acc', rescaleOneNames('main')],
    ['RescaleOne', 1, (relu: number) => `= RescaleOne(2, 3, ${relu})`, 'acc', rescaleOneNames('main')],
    ['AffineRescale (inline, as Dense)', 0, (relu: number) => `= AffineRescale(1, [1], [0], 2, 3, ${relu})`, 'in[0]', inlineNames(0)],
    ['AffineRescale (inline, as Dense)', 1, (relu: number) => `= AffineRescale(1, [1], [0], 2, 3, ${relu})`, 'in[0]', inlineNames(0)],
  ] as const
  it.each(variants)('%s with relu = %i accepts exactly one witness per acc in range, whatever the bits and output', async (_, reluFlag, main, input, names) => {
    const t = await compile(main(reluFlag), O)
    const base = await t.witness({ [input.replace('[0]', '')]: input === 'acc' ? 0 : [0] })
    const accepted = new Set<string>()
    for (let acc = -20n; acc < 20n; acc++) {
      for (let mask = 0; mask < 32; mask++) {
        for (let out = -6n; out < 6n; out++) {
          const values: Signals = { [`main.${input}`]: acc, [names.out]: out }
          if (names.value) values[names.value] = acc + 16n
          for (let bit = 0; bit < 5; bit++) values[names.bit(bit)] = BigInt((mask >> bit) & 1)
          const w = forgeAs(t, base, values)
          if (!t.checkConstraints(w).ok) continue
          accepted.add(w.join())
          expect(acc >= -16n && acc < 16n, `accepted acc ${acc}`).toBe(true)
          expect(out).toBe(reluFlag ? relu(acc >> 2n) : acc >> 2n)
        }
      }
    }
    expect(accepted.size).toBe(32)
  }, TIMEOUT)
})

describe.each([1, 2] as const)('SignedRange and BitsOf at --O%i', (O) => {
  it('passes the ends of the range, fails just outside', async () => {
    const t = await compile(`= SignedRange(${B})`, O)
    for (const v of [-128n, -1n, 0n, 127n]) await t.expectPass({ in: v })
    for (const v of [128n, -129n, 1000n, toField(-1n) / 2n]) await t.expectFail({ in: v })
    const bits = await compile(`= BitsOf(${B})`, O)
    await bits.expectPass({ value: 255 }, { 'main.bits[7]': 1n, 'main.bits[0]': 1n })
    for (const v of [256n, -1n]) await bits.expectFail({ value: v })
  }, TIMEOUT)

  it('rejects a value >= 2^(B-1) or < -2^(B-1) with forged bits', async () => {
    const t = await compile(`= SignedRange(${B})`, O)
    const w = await t.witness({ in: 0 })
    const forgeRange = (v: bigint, mode: 'carry' | 'wrap') => {
      const values: Signals = { 'main.in': v, 'main.bits.value': v + 128n }
      attackerBits(v + 128n, B, mode).forEach((bit, i) => (values[`main.bits.bits[${i}]`] = bit))
      return forgeAs(t, w, values)
    }
    expect(t.checkConstraints(forgeRange(127n, 'carry')).ok).toBe(true)
    for (const v of [128n, 200n, -129n, -1000n, toField(-129n)]) {
      for (const mode of ['carry', 'wrap'] as const) expect(t.checkConstraints(forgeRange(v, mode)).ok, `${v} ${mode}`).toBe(false)
    }
  }, TIMEOUT)

  it('accepts exactly the 16 values of SignedRange(4) over every bit assignment', async () => {
    const t = await compile('= SignedRange(4)', O)
    const base = await t.witness({ in: 0 })
    const accepted = new Set<string>()
    for (let v = -40n; v < 40n; v++) {
      for (let mask = 0; mask < 16; mask++) {
        const values: Signals = { 'main.in': v, 'main.bits.value': v + 8n }
        for (let bit = 0; bit < 4; bit++) values[`main.bits.bits[${bit}]`] = BigInt((mask >> bit) & 1)
        const w = forgeAs(t, base, values)
        if (!t.checkConstraints(w).ok) continue
        accepted.add(w.join())
        expect(v >= -8n && v < 8n, `accepted ${v}`).toBe(true)
      }
    }
    expect(accepted.size).toBe(16)
  }, TIMEOUT)
})

describe.each([1, 2] as const)('InputRange at --O%i', (O) => {
  it('InputRange: B-bit values pass, others fail, forged bits are rejected', async () => {
    const t = await compile(`= InputRange(3, ${B})`, O)
    await t.expectPass({ in: [-128n, 0n, 127n] })
    for (const bad of [[128n, 0n, 0n], [0n, 0n, -129n]]) await t.expectFail({ in: bad })
    const w = await t.witness({ in: [0n, 0n, 0n] })
    const claim = (v: bigint, mode: 'carry' | 'wrap') => {
      const values: Signals = { 'main.in[1]': v, 'main.range[1].in': v, 'main.range[1].bits.value': v + 128n }
      attackerBits(v + 128n, B, mode).forEach((bit, i) => (values[`main.range[1].bits.bits[${i}]`] = bit))
      return forgeAs(t, w, values)
    }
    expect(t.checkConstraints(claim(127n, 'carry')).ok).toBe(true)
    for (const v of [128n, -129n]) for (const mode of ['carry', 'wrap'] as const) expect(t.checkConstraints(claim(v, mode)).ok).toBe(false)
  }, TIMEOUT)
})

/** Every named signal of an ArgMax for a claimed selector e (not necessarily one-hot). */
function argmaxSignals(x: readonly bigint[], e: readonly bigint[], b: number): Signals {
  const values: Signals = { 'main.index': e.reduce((s, v, i) => s + BigInt(i) * v, 0n) }
  const m = e.reduce((s, v, i) => s + v * x[i]!, 0n)
  x.forEach((v, i) => {
    values[`main.in[${i}]`] = v
    values[`main.e[${i}]`] = e[i]!
    values[`main.picked[${i}]`] = e[i]! * v
    const gap = m - v - e.slice(i + 1).reduce((s, a) => s + a, 0n)
    values[`main.gap[${i}].value`] = gap
    attackerBits(gap, b + 1, 'carry').forEach((bit, t) => (values[`main.gap[${i}].bits[${t}]`] = bit))
  })
  return values
}

const oneHot = (n: number, i: number) => Array.from({ length: n }, (_, j) => (j === i ? 1n : 0n))

describe.each([1, 2] as const)('ArgMax at --O%i', (O) => {
  it('gives the first maximum, including ties and negatives', async () => {
    const t = await compile(`= ArgMax(4, ${B})`, O)
    for (const x of [[1n, 5n, 3n, 5n], [-3n, -1n, -1n, -7n], [7n, 7n, 7n, 7n], [-128n, -128n, 127n, -128n], [0n, -1n, 0n, 0n]]) {
      await t.expectPass({ in: x }, { 'main.index': BigInt(firstArgmax(x)) })
    }
  }, TIMEOUT)

  it('fails witness generation when the inputs are not B-bit (their spread exceeds 2^(B+1))', async () => {
    const t = await compile(`= ArgMax(4, ${B})`, O)
    await t.expectFail({ in: [300n, -300n, 0n, 0n] })
  }, TIMEOUT)

  it('rejects a non-maximum, a later tied maximum and non-one-hot selectors', async () => {
    const t = await compile(`= ArgMax(4, ${B})`, O)
    const x = [5n, 9n, 1n, 9n]
    const w = await t.witness({ in: [0n, 0n, 0n, 0n] })
    expect(t.checkConstraints(forgeAs(t, w, argmaxSignals(x, oneHot(4, 1), B))).ok).toBe(true)
    const attacks: [string, bigint[]][] = [
      ['a non-maximum', oneHot(4, 0)],
      ['the smallest', oneHot(4, 2)],
      ['a later tied maximum', oneHot(4, 3)],
      ['two ones', [0n, 1n, 0n, 1n]],
      ['a 2', [0n, 2n, 0n, 0n]],
      ['2 and -1 (sums to one)', [0n, 2n, 0n, -1n]],
      ['nothing', [0n, 0n, 0n, 0n]],
    ]
    for (const [what, e] of attacks) expect(t.checkConstraints(forgeAs(t, w, argmaxSignals(x, e, B))).ok, what).toBe(false)
    const honest = await t.witness({ in: x })
    expect(t.checkConstraints(t.forge(honest, { 'main.index': 3n })).ok, 'index alone').toBe(false)
  }, TIMEOUT)

  it('accepts only the first maximum for every input in [-2, 2)^3 and every selector in {0, 1, 2, -1}^3', async () => {
    const t = await compile('= ArgMax(3, 2)', O)
    const choices = [0n, 1n, 2n, -1n]
    const base = await t.witness({ in: [0n, 0n, 0n] })
    for (let code = 0; code < 64; code++) {
      const x = [0, 1, 2].map((i) => BigInt(((code >> (2 * i)) & 3) - 2))
      const accepted = new Set<string>()
      for (let sel = 0; sel < 64; sel++) {
        const e = [0, 1, 2].map((i) => choices[(sel >> (2 * i)) & 3]!)
        const forged = forgeAs(t, base, argmaxSignals(x, e, 2))
        if (!t.checkConstraints(forged).ok) continue
        accepted.add(forged.join())
        expect(t.read(forged, 'main.index'), `in ${x}, e ${e}`).toBe(BigInt(firstArgmax(x)))
      }
      expect(accepted.size, `in ${x}`).toBe(1)
    }
  }, TIMEOUT)
})

describe('InputHash', () => {
  it.each([3, 16, 17, 40])('equals poseidonChain for n = %i; a changed hash or input is rejected', async (n) => {
    const t = await compile(`= InputHash(${n})`)
    const x = Array.from({ length: n }, (_, i) => BigInt((i * 7919) % 65536) - 32768n)
    const w = await t.expectPass({ in: x })
    const hash = w[t.signal('main.hash')]!
    expect(hash).toBe(await poseidonChain(x))
    expect(t.checkConstraints(t.forge(w, { 'main.hash': hash + 1n })).ok).toBe(false)
    expect(t.checkConstraints(t.forge(w, { [`main.in[${n - 1}]`]: x[n - 1]! + 1n })).ok).toBe(false)
    expect(t.checkConstraints(t.forge(w, { 'main.in[0]': x[0]! - 1n })).ok).toBe(false)
  }, TIMEOUT)

  it('fails witness generation when a wrapper checks it against a wrong hash', async () => {
    const wrapper = `pragma circom 2.1.0;\ninclude "glassbox.circom";
template Claimed(n) { signal input in[n]; signal input claimed; component h = InputHash(n); h.in <== in; h.hash === claimed; }
component main {public [claimed]} = Claimed(3);\n`
    const t = await compileTestCircuit(wrapper)
    const x = [1n, -2n, 3n]
    const hash = await poseidonChain(x)
    await t.expectPass({ in: x, claimed: hash })
    await t.expectFail({ in: x, claimed: hash + 1n })
    await t.expectFail({ in: [1n, -2n, 4n], claimed: hash })
  }, TIMEOUT)
})

describe('BindProver', () => {
  it('constrains the public prover by a square: a forged square is rejected', async () => {
    const t = await compile('{public [prover]} = BindProver()')
    const prover = 0xd8da6bf26964af9d7eed9e10c17e8bf5fb8bfa6n
    const w = await t.expectPass({ prover }, { 'main.square': prover * prover })
    expect(t.r1cs.publicInputs).toBe(1)
    expect(t.checkConstraints(t.forge(w, { 'main.square': prover * prover + 1n })).ok).toBe(false)
    expect(t.checkConstraints(t.forge(w, { 'main.prover': prover + 1n })).ok).toBe(false)
    // BindProver accepts every field element, so its failing case is the witness check above.
    expect(t.constraintCount).toBe(1)
  }, TIMEOUT)
})

describe('constraint counts at --O2 equal estimateConstraints', () => {
  const W = [[5, -3, 7], [-6, 2, 1]]
  const tensor = (name: string, size: number) => ({ name, shape: [size], scale: 4, bits: B })
  const modelOf = (layers: FixedLayer[], inputSize: number, outputSize: number): FixedPointModel => ({
    format: FIXED_POINT_FORMAT,
    name: 'counts',
    bits: B,
    weightBits: B,
    input: tensor('x', inputSize),
    output: tensor(layers.at(-1)!.output, outputSize),
    layers,
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  })
  const common = { scale: 4, bits: B }
  const dense = (outFeatures: number, weight: number[][], bias: string[]): FixedLayer => ({
    kind: 'dense', name: 'dense', input: 'x', output: 'h1', ...common, inFeatures: 3, outFeatures, weight: weight.flat().map(String), bias, weightScale: 3, shift: K, relu: true,
  })
  const threeLayers = modelOf(
    [
      dense(2, W, ['4', '-20']),
      { kind: 'affine', name: 'affine', input: 'h1', output: 'h2', ...common, size: 2, factor: ['3', '-5'], offset: ['2', '-2'], factorScale: 2, shift: 2, relu: false },
      { kind: 'relu', name: 'relu', input: 'h2', output: 'y', ...common, size: 2 },
    ],
    3,
    2,
  )
  const part = (model: FixedPointModel, name: string) => estimateConstraints(model).find((p) => p.name === name)!.constraints

  it.each([
    ['input range', `= InputRange(3, ${B})`],
    ['dense', `= DenseRescale(3, 2, ${JSON.stringify(W)}, [4,-20], ${K}, ${B}, 1)`],
    ['affine', `= AffineRescale(2, [3,-5], [2,-2], 2, ${B}, 0)`],
    ['relu', `= Relu(2, ${B})`],
    ['argmax', `= ArgMax(2, ${B})`],
    ['input hash', `= PackedInputHash(3, ${B})`],
    ['prover binding', '{public [prover]} = BindProver()'],
  ])('%s', async (name, main) => {
    expect((await compile(main)).constraintCount).toBe(part(threeLayers, name))
  }, TIMEOUT)

  it.each([3, 16, 17, 40])('InputHash(%i): the Poseidon chain formula', async (n) => {
    expect((await compile(`= InputHash(${n})`)).constraintCount).toBe(poseidonChainConstraints(n))
  }, TIMEOUT)

  it.each([[0, 0], [0, 1], [5, 1], [K, 0]])('RescaleOne(k = %i, relu = %i): k + B + relu', async (k, reluFlag) => {
    expect((await compile(`= RescaleOne(${k}, ${B}, ${reluFlag})`)).constraintCount).toBe(k + B + reluFlag)
  }, TIMEOUT)

  it('SignedRange(B): B; BitsOf(B): B, or B + 1 when its value is public and the sum cannot be substituted away', async () => {
    expect((await compile(`= SignedRange(${B})`)).constraintCount).toBe(B)
    expect((await compile(`= BitsOf(${B})`)).constraintCount).toBe(B)
    expect((await compile(`{public [value]} = BitsOf(${B})`)).constraintCount).toBe(B + 1)
  }, TIMEOUT)

  it('a whole model (dense + ReLU, affine, ReLU): the parts add up to the compiled total', async () => {
    const t = await compileTestCircuit(emitCircom(threeLayers))
    expect(t.constraintCount).toBe(totalConstraints(estimateConstraints(threeLayers)))
  }, TIMEOUT)

  // With one output the one-hot selector is the constant 1, so circom drops one constraint:
  // ArgMax(1, B) costs B + 2, not the n·(B + 3) of the formula. The estimate subtracts it, so a
  // model with a single output (a regressor compiled with argmax on) is estimated exactly.
  it('argmax over a single output costs B + 2, and the estimate says so', async () => {
    expect((await compile(`= ArgMax(1, ${B})`)).constraintCount).toBe(B + 2)
    const single = modelOf([dense(1, [W[0]!], ['4'])], 3, 1)
    expect(estimateConstraints(single).find((p) => p.name === 'argmax')!.constraints).toBe(B + 2)
    expect((await compileTestCircuit(emitCircom(single))).constraintCount).toBe(totalConstraints(estimateConstraints(single)))
  }, TIMEOUT)
})
