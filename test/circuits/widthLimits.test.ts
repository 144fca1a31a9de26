/**
 * The 252-bit ceiling (issue 8, item 9). At 254 bits and more circom's
 * `1 << b` wraps to 0 and a comparison's sign bit is free, so a prover could
 * choose every clip, hinge or max branch. Here: the reported model (weights
 * of ~1e38, branches 2^255 apart at a concat) is refused at compile; a crafted
 * fixed-point model with such a concat is refused before any circom is
 * emitted; every decomposing template compiles at its largest allowed width,
 * where a forged witness claiming the other branch (sign bit flipped with a
 * carry, or every bit boolean with the field wrapped) fails the constraint
 * check; and one bit wider, the template's own assert refuses to compile.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileModel } from '../../src/compile/compileModel.js'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { FIELD_ORDER } from '../../src/field/fieldElement.js'
import { runCircom } from '../../src/compile/runCircom.js'
import { CompileError, QuantizeError } from '../../src/errors.js'
import { checkFixedPointWidths } from '../../src/quantize/checkFixedPointWidths.js'
import type { FixedLayer, FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import { attr, buildModel, node, tensor, writeModel, writeTemp } from '../support/buildOnnx.js'
import type { CircuitTester } from '../support/circuitTester.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import type { Signals } from '../support/forgery.js'
import { attackerBits, bitNames, flippedSignBits, forgeAs } from '../support/forgery.js'

const TIMEOUT = 240_000
const P = FIELD_ORDER
const two = (n: number) => 1n << BigInt(n)
const source = (main: string) => `pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main = ${main};\n`
const compile = (main: string, optimization: 1 | 2) => compileTestCircuit(source(main), { optimization })

/** The sign-offset bits of d in a width-bit block, honest or as an attacker claiming the other sign. */
function comparisonBits(d: bigint, width: number, attack: 'none' | 'carry' | 'wrap'): bigint[] {
  const offset = d + two(width - 1)
  if (attack === 'none') return attackerBits(offset, width)
  if (attack === 'carry') return flippedSignBits(d, width)
  // Every bit boolean: the other sign's representative, offset by the field order (mod 2^width).
  return attackerBits(offset < two(width - 1) ? offset + P : offset - P, width, 'wrap')
}

function setBits(values: Signals, prefix: string, bits: bigint[]): Signals {
  bitNames(prefix, bits.length).forEach((name, b) => (values[name] = bits[b]!))
  return values
}

/** Forges `claim(attack)` into a witness of another input: the honest claim must pass, both attacks must fail. */
async function expectOnlyHonestBranch(t: CircuitTester, baseInput: Record<string, unknown>, claim: (attack: 'none' | 'carry' | 'wrap') => Signals): Promise<void> {
  const base = await t.witness(baseInput as never)
  expect(t.checkConstraints(forgeAs(t, base, claim('none'))).failing, 'control: the honest values, forged in').toEqual([])
  for (const attack of ['carry', 'wrap'] as const) {
    expect(t.checkConstraints(forgeAs(t, base, claim(attack))).ok, `${attack} attack`).toBe(false)
  }
}

describe('the reported model: ~1e38 weights and branches 2^255 apart at a concat', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('is refused by compile, naming the layer and what to do', async () => {
    const big = 1e38
    const model = buildModel({
      input: { name: 'x', shape: [1, 2] },
      output: { name: 'y' },
      initializers: [
        tensor('wa', [2, 2], [big, 0, 0, big]),
        tensor('wa2', [2, 2], [big, 0, 0, big]),
        tensor('wb', [2, 2], [1e-3, 0, 0, 1e-3]),
        tensor('lo', [], [-1]),
        tensor('hi', [], [1]),
        tensor('wc', [4, 2], [1, 0, 0, 1, 1, 0, 0, 1]),
      ],
      nodes: [
        node('MatMul', ['x', 'wa'], ['a1'], { name: 'huge1' }),
        node('MatMul', ['a1', 'wa2'], ['a2'], { name: 'huge2' }),
        node('MatMul', ['x', 'wb'], ['b1'], { name: 'tiny' }),
        node('Concat', ['a2', 'b1'], ['c'], { name: 'cat', attributes: [attr.int('axis', 1)] }),
        node('Clip', ['c', 'lo', 'hi'], ['k'], { name: 'clip' }),
        node('MatMul', ['k', 'wc'], ['y'], { name: 'head' }),
      ],
    })
    const calibration = writeTemp('huge-calibration.jsonl', [[1, 0.5], [-0.5, 1], [0.2, -0.9]].map((input, i) => JSON.stringify({ id: `c${i}`, input })).join('\n'))
    const outDir = await mkdtemp(join(tmpdir(), 'glassbox-huge-'))
    dirs.push(outDir)
    const error = await compileModel({ modelPath: writeModel(model, 'huge.onnx'), outDir, calibrationPath: calibration }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QuantizeError)
    // The two MatMuls fold into one dense layer of weights 1e76.
    expect((error as QuantizeError).shortMessage).toMatch(/Layer "huge1\+huge2" has weights up to 1\.00e\+76/)
    expect((error as QuantizeError).details).toMatch(/check the model/)
  }, TIMEOUT)

  it('a crafted fixed-point model with a 255-bit concat gap is refused before any circom is emitted', () => {
    const layer = (name: string, input: string, output: string, scale: number): FixedLayer =>
      ({ kind: 'dense', name, input, output, scale, bits: 16, shift: 0, relu: false, inFeatures: 1, outFeatures: 1, weight: ['1'], bias: ['0'], weightScale: 0 })
    const model: FixedPointModel = {
      format: FIXED_POINT_FORMAT,
      name: 'gap',
      bits: 16,
      weightBits: 16,
      input: { name: 'x', shape: [1], scale: 0, bits: 16 },
      output: { name: 'y', shape: [2], scale: 0, bits: 16 },
      layers: [
        layer('a', 'x', 'a', 0),
        layer('b', 'x', 'b', 0),
        { kind: 'concat', name: 'cat', inputs: ['a', 'b'], output: 'c', scale: 255, bits: 271, upshift: [255, 0], source: [[0, 0], [1, 0]] },
        { kind: 'clip', name: 'clip', input: 'c', output: 'y', scale: 255, bits: 271, size: 2, min: '0', max: '1' },
      ],
      droppedOutputOps: [],
      calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
    }
    expect(() => checkFixedPointWidths(model)).toThrow(/layer "cat" \(concat\).*271-bit/)
    expect(() => emitCircom(model)).toThrow(QuantizeError)
  })
})

/** One template at its largest allowed widths: the values, the names of its bits, and the claim of the other branch. */
type WidthCase = {
  name: string
  /** The template at its largest widths; `wider` one bit (or one unit of a bound) beyond. */
  main: string
  wider: string
  /** A base input to forge into, and the input the claims are about. */
  base: Record<string, unknown>
  claim: (attack: 'none' | 'carry' | 'wrap') => Signals
  /** An honest input that must pass, with an expected output. */
  honest: { input: Record<string, unknown>; expected: Record<string, bigint> }
}

const CASES: WidthCase[] = (() => {
  const cases: WidthCase[] = []

  // Clip(1, B = 251): each bound's comparison is 252 bits. x far above LO, claimed below it.
  {
    const B = 251
    const lo = -two(250)
    const x = two(250) - 5n
    cases.push({
      name: 'Clip (252-bit comparison)',
      main: `Clip(1, ${B}, 1, ${lo}, 0, 0)`,
      wider: `Clip(1, ${B + 1}, 1, ${lo}, 0, 0)`,
      base: { in: [0n] },
      honest: { input: { in: [x] }, expected: { 'main.out[0]': x } },
      claim: (attack) => {
        const bits = comparisonBits(x - lo, B + 1, attack)
        const low = lo + bits[B]! * (x - lo)
        return setBits({ 'main.in[0]': x, 'main.low[0]': low, 'main.out[0]': low }, 'main.lobits[0]', bits)
      },
    })
  }

  // MaxPool2d over a 1×2 window, B = 251: the comparison is 252 bits; claim the smaller value.
  {
    const B = 251
    const [a, b] = [-two(250), two(250) - 1n]
    cases.push({
      name: 'MaxPool2d (252-bit comparison)',
      main: `MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, ${B})`,
      wider: `MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, ${B + 1})`,
      base: { in: [0n, 0n] },
      honest: { input: { in: [a, b] }, expected: { 'main.out[0]': b } },
      claim: (attack) => {
        const bits = comparisonBits(a - b, B + 1, attack)
        const best = b + bits[B]! * (a - b)
        return setBits({ 'main.in[0]': a, 'main.in[1]': b, 'main.best[0][0]': best, 'main.out[0]': best }, 'main.cbits[0][0]', bits)
      },
    })
  }

  // LeakyRelu with T + B = 252 (B = 244, T = 8): pass a negative value through unscaled.
  {
    const [B, T, alpha] = [244, 8, 26n]
    const x = -(two(243) - 3n)
    const neg = (alpha * x) >> BigInt(T)
    cases.push({
      name: 'LeakyRelu (244-bit sign, 252-bit negative branch)',
      main: `LeakyRelu(1, ${B}, ${alpha}, ${T})`,
      wider: `LeakyRelu(1, ${B + 1}, ${alpha}, ${T})`,
      base: { in: [0n] },
      honest: { input: { in: [x] }, expected: { 'main.out[0]': neg } },
      claim: (attack) => {
        const sign = comparisonBits(x, B, attack)
        const nbits = attackerBits(alpha * x + two(T + B - 1), T + B)
        const values: Signals = { 'main.in[0]': x, 'main.out[0]': neg + sign[B - 1]! * (x - neg) }
        setBits(values, 'main.nbits[0]', nbits)
        return setBits(values, 'main.sbits[0]', sign)
      },
    })
  }

  // PiecewiseLinear: hinge comparisons of BIN + 1 = 251 bits (the widest that leaves room for a
  // nonzero hinge under the 2^251 accumulator bound) and a k + B = 252-bit rescale; switch the hinge off.
  {
    const [BIN, k, B] = [250, 1, 251]
    const x = two(248) + 7n
    const out = x >> 1n
    cases.push({
      name: 'PiecewiseLinear (251-bit hinge, 252-bit rescale)',
      main: `PiecewiseLinear(1, ${BIN}, 1, [0], [1], 0, ${k}, ${B})`,
      wider: `PiecewiseLinear(1, ${BIN + 1}, 1, [0], [1], 0, ${k}, ${B})`,
      base: { in: [0n] },
      honest: { input: { in: [x] }, expected: { 'main.out[0]': out } },
      claim: (attack) => {
        const hbits = comparisonBits(x, BIN + 1, attack)
        const hinge = hbits[BIN]! * x
        const values: Signals = { 'main.in[0]': x, 'main.hinge[0][0]': hinge, 'main.out[0]': hinge >> 1n }
        setBits(values, 'main.rbits[0]', attackerBits(hinge + two(k + B - 1), k + B))
        return setBits(values, 'main.hbits[0][0]', hbits)
      },
    })
  }

  // ArgMax(2, B = 251): 252-bit gaps; claim the smaller value's index.
  {
    const B = 251
    const x = [two(250), -two(250)]
    cases.push({
      name: 'ArgMax (252-bit gaps)',
      main: `ArgMax(2, ${B})`,
      wider: `ArgMax(2, ${B + 1})`,
      base: { in: [0n, 0n] },
      honest: { input: { in: x }, expected: { 'main.index': 0n } },
      claim: (attack) => {
        // Honest: e = [1, 0]. The attack selects index 1; its gap for in[0] is then negative.
        const e = attack === 'none' ? [1n, 0n] : [0n, 1n]
        const m = e[0]! * x[0]! + e[1]! * x[1]!
        const values: Signals = { 'main.index': e[1]!, 'main.e[0]': e[0]!, 'main.e[1]': e[1]!, 'main.picked[0]': e[0]! * x[0]!, 'main.picked[1]': e[1]! * x[1]!, 'main.in[0]': x[0]!, 'main.in[1]': x[1]! }
        const gaps = [m - x[0]! - e[1]!, m - x[1]!]
        gaps.forEach((gap, i) => {
          values[`main.gap[${i}].value`] = gap
          const bits = attack === 'wrap' && gap < 0n ? attackerBits(gap + P, B + 1, 'wrap') : attackerBits(gap, B + 1, 'carry')
          setBits(values, `main.gap[${i}].bits`, bits)
        })
        return values
      },
    })
  }

  // The rescales at k + B = 252 (k = 1, B = 251) with ReLU: pass a negative value through.
  const rescale = (name: string, main: (b: number) => string, input: string, bitsPrefix: string, out: string, value?: string): WidthCase => {
    const [k, B] = [1, 251]
    const acc = -two(250) + 5n
    const q = acc >> BigInt(k)
    return {
      name,
      main: main(B),
      wider: main(B + 1),
      base: { [input.replace(/\[0\]$/, '').replace('main.', '')]: input.endsWith('[0]') ? [0n] : 0n },
      honest: { input: { [input.replace(/\[0\]$/, '').replace('main.', '')]: input.endsWith('[0]') ? [acc] : acc }, expected: { [out]: 0n } },
      claim: (attack) => {
        const bits = comparisonBits(acc, k + B, attack)
        const high = bits.slice(k).reduce((s, bit, t) => s + bit * two(t), 0n) - two(B - 1)
        const values: Signals = { [input]: acc, [out]: high * bits[k + B - 1]! }
        if (value) values[value] = acc + two(k + B - 1)
        if (attack === 'none') expect(high).toBe(q)
        return setBits(values, bitsPrefix, bits)
      },
    }
  }
  cases.push(rescale('RescaleOne (252-bit rescale)', (B) => `RescaleOne(1, ${B}, 1)`, 'main.acc', 'main.bits.bits', 'main.out', 'main.bits.value'))
  cases.push(rescale('DenseRescale (252-bit rescale)', (B) => `DenseRescale(1, 1, [[1]], [0], 1, ${B}, 1)`, 'main.in[0]', 'main.bits[0]', 'main.out[0]'))
  cases.push(rescale('AffineRescale (252-bit rescale)', (B) => `AffineRescale(1, [1], [0], 1, ${B}, 1)`, 'main.in[0]', 'main.bits[0]', 'main.out[0]'))

  // ConvChannel with a fused 1×2 max pool at k + B + 1 = 252 (k = 1, B = 250): claim the smaller accumulator.
  {
    const [k, B] = [1, 250]
    const [a, b] = [-two(249), two(249)]
    const conv = (bits: number) => `ConvChannel(1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 2, [1], 0, ${k}, ${bits}, 0, 1, 1, 2, 1, 1, 0, 0, 1, 1)`
    cases.push({
      name: 'ConvChannel with a fused max pool (252-bit comparison)',
      main: conv(B),
      wider: conv(B + 1),
      base: { in: [0n, 0n] },
      honest: { input: { in: [a, b] }, expected: { 'main.out[0]': b >> 1n } },
      claim: (attack) => {
        const cbits = comparisonBits(a - b, k + B + 1, attack)
        const best = b + cbits[k + B]! * (a - b)
        const values: Signals = { 'main.in[0]': a, 'main.in[1]': b, 'main.best[0][0]': best, 'main.out[0]': best >> 1n }
        setBits(values, 'main.rbits[0]', attackerBits(best + two(k + B - 1), k + B))
        return setBits(values, 'main.cbits[0][0]', cbits)
      },
    })
  }

  // Relu(1, 252): the sign of a 252-bit value; pass a negative one through.
  {
    const B = 252
    const x = -two(250)
    cases.push({
      name: 'Relu (252-bit sign)',
      main: `Relu(1, ${B})`,
      wider: `Relu(1, ${B + 1})`,
      base: { in: [0n] },
      honest: { input: { in: [x] }, expected: { 'main.out[0]': 0n } },
      claim: (attack) => {
        const bits = comparisonBits(x, B, attack)
        return setBits({ 'main.in[0]': x, 'main.bits[0].value': x + two(B - 1), 'main.out[0]': x * bits[B - 1]! }, 'main.bits[0].bits', bits)
      },
    })
  }

  // SignedRange(252): claim a value just outside the range.
  {
    const B = 252
    const x = two(B - 1)
    cases.push({
      name: 'SignedRange (252 bits)',
      main: `SignedRange(${B})`,
      wider: `SignedRange(${B + 1})`,
      base: { in: 0n },
      honest: { input: { in: x - 1n }, expected: {} },
      claim: (attack) => {
        const v = attack === 'none' ? x - 1n : x
        const offset = v + two(B - 1)
        const bits = attack === 'wrap' ? attackerBits(offset - P, B, 'wrap') : attackerBits(offset, B, 'carry')
        return setBits({ 'main.in': v, 'main.bits.value': offset }, 'main.bits.bits', bits)
      },
    })
  }
  return cases
})()

describe.each(CASES)('$name', (c) => {
  it.each([1, 2] as const)('at its largest allowed width (--O%i): honest values pass, a forged branch is rejected by the constraints', async (O) => {
    const t = await compile(c.main, O)
    await t.expectPass(c.honest.input as never, c.honest.expected)
    await expectOnlyHonestBranch(t, c.base, c.claim)
  }, TIMEOUT)

  it('one bit wider, its own assert refuses to compile', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'glassbox-wider-'))
    try {
      const error = await runCircom({ source: source(c.wider), outDir }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CompileError)
      expect((error as CompileError).details).toMatch(/False assert reached/)
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  }, TIMEOUT)
})

describe('template bounds beyond their widths', () => {
  it.each([
    ['a Clip bound outside its B bits', 'Clip(1, 8, 1, 128, 0, 0)'],
    ['a leaky ReLU slope that could wrap the accumulator', `LeakyRelu(1, 8, ${two(244)}, 8)`],
    ['a hinge that could wrap the accumulator', `PiecewiseLinear(1, 8, 1, [0], [${two(243)}], 0, 1, 8)`],
    ['a knot outside the input bits', 'PiecewiseLinear(1, 8, 1, [128], [1], 0, 1, 8)'],
  ])('%s is refused at compile time', async (_, main) => {
    const outDir = await mkdtemp(join(tmpdir(), 'glassbox-bound-'))
    try {
      const error = await runCircom({ source: source(main), outDir }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CompileError)
      expect((error as CompileError).details).toMatch(/False assert reached/)
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  }, TIMEOUT)
})
