/**
 * The comparison-based templates of circuits/glassbox.circom (MaxPool2d,
 * ConvChannel's fused pool, Clip, LeakyRelu, PiecewiseLinear) and the packed
 * input hash: honest values equal evaluateFixed on a one-layer model, values
 * the template must refuse fail witness generation, a comparison bit flipped
 * with a carry (the sum kept, so only booleanity can object) is rejected, an
 * exhaustive search over every boolean assignment of a tiny instance's bits
 * accepts only the honest output, and the --O2 counts match estimateConstraints.
 */
import { describe, expect, it } from 'vitest'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { hashInput } from '../../src/field/hashInput.js'
import { packInput } from '../../src/field/packInput.js'
import type { ModelIR, Op } from '../../src/model/ir.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import { quantizeInput } from '../../src/quantize/quantizeInput.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import type { CircuitTester } from '../support/circuitTester.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import type { Signals } from '../support/forgery.js'
import { attackerBits, bitNames, expectOnlyHonest, flippedSignBits, forgeAs, grid } from '../support/forgery.js'

const B = 8
const TIMEOUT = 180_000
const LEVELS = [1, 2] as const

const compile = (main: string, optimization: 1 | 2 = 2) =>
  compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main ${main};\n`, { optimization })

/** A model of one layer reading `x` and writing `y`, so evaluateFixed is the reference and estimateConstraints the cost. */
function oneLayer(layer: FixedLayer, inputSize: number, outputSize: number): FixedPointModel {
  return {
    format: FIXED_POINT_FORMAT,
    name: 'one-layer',
    bits: B,
    weightBits: B,
    input: { name: 'x', shape: [inputSize], scale: 0, bits: B },
    output: { name: 'y', shape: [outputSize], scale: 0, bits: layer.bits },
    layers: [layer],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}
const io = { name: 'layer', input: 'x', output: 'y', scale: 0 }
const layerCost = (model: FixedPointModel) => estimateConstraints(model).find((p) => p.name === 'layer')!.constraints
const outputs = (t: CircuitTester, w: readonly bigint[], n: number) => Array.from({ length: n }, (_, i) => t.read(w, `main.out[${i}]`))

async function expectMatchesEvaluator(t: CircuitTester, model: FixedPointModel, inputs: bigint[][]): Promise<void> {
  for (const x of inputs) {
    const expected = evaluateFixed(model, x).outputQ
    const w = await t.expectPass({ in: x })
    expect(outputs(t, w, expected.length), `[${x}]`).toEqual(expected)
  }
}

const floorDiv = (a: bigint, k: number) => a >> BigInt(k)
const max0 = (v: bigint) => (v > 0n ? v : 0n)

describe('MaxPool2d', () => {
  // 2×3 image, 2×2 kernel, stride 1, padding 1 on every side → 3×4; padding is never selected.
  const pool: FixedLayer = { kind: 'maxpool', ...io, bits: B, inShape: [1, 2, 3], outShape: [1, 3, 4], kernel: [2, 2], stride: [1, 1], pads: [1, 1, 1, 1] }
  const main = `= MaxPool2d(1, 2, 3, 2, 2, 1, 1, 1, 1, 3, 4, ${B})`

  it('passes with the max of every window (padding never selected, even all-negative)', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(pool, 6, 12), [[1n, 2n, 3n, 4n, 5n, 6n], [-128n, -3n, -77n, -1n, -128n, -2n], [127n, -128n, 0n, 0n, 127n, -128n]])
  }, TIMEOUT)

  it('fails witness generation when two values are more than 2^B apart (not B-bit)', async () => {
    const t = await compile(main)
    await t.expectFail({ in: [200n, -200n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects the smaller of two values claimed as their max, the comparison bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, ${B})`, O)
    const base = await t.witness({ in: [0n, 0n] })
    const claim = (x: bigint[], flip: boolean) => {
      const d = x[0]! - x[1]!
      const bits = flip ? flippedSignBits(d, B + 1) : attackerBits(d + 256n, B + 1)
      const best = x[1]! + bits[B]! * d
      const values: Signals = { 'main.in[0]': x[0]!, 'main.in[1]': x[1]!, 'main.best[0][0]': best, 'main.out[0]': best }
      bitNames('main.cbits[0][0]', B + 1).forEach((name, b) => (values[name] = bits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [[10n, 50n], [50n, 10n], [-128n, 127n], [-5n, -6n]]) {
      expect(claim(x, false), `control [${x}]`).toBe(true)
      expect(claim(x, true), `flipped [${x}]`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the max, over every bit assignment of 2- and 3-wide windows (B = 2, --O%i)', async (O) => {
    const two = await compile('= MaxPool2d(1, 1, 2, 1, 2, 1, 1, 0, 0, 1, 1, 2)', O)
    await expectOnlyHonest({
      t: two,
      inputs: grid(2, -4, 4),
      bits: bitNames('main.cbits[0][0]', 3),
      derive: ([a, b], bit) => {
        const best = b! + bit('main.cbits[0][0][2]') * (a! - b!)
        return { 'main.best[0][0]': best, 'main.out[0]': best }
      },
      expected: ([a, b]) => ({ 'main.out[0]': a! > b! ? a! : b! }),
    })
    const three = await compile('= MaxPool2d(1, 1, 3, 1, 3, 1, 1, 0, 0, 1, 1, 2)', O)
    await expectOnlyHonest({
      t: three,
      inputs: grid(3, -3, 3),
      bits: [...bitNames('main.cbits[0][0]', 3), ...bitNames('main.cbits[0][1]', 3)],
      derive: ([a, b, c], bit) => {
        const best0 = b! + bit('main.cbits[0][0][2]') * (a! - b!)
        const best1 = c! + bit('main.cbits[0][1][2]') * (best0 - c!)
        return { 'main.best[0][0]': best0, 'main.best[0][1]': best1, 'main.out[0]': best1 }
      },
      expected: (x) => ({ 'main.out[0]': x.reduce((m, v) => (v > m ? v : m)) }),
    })
  }, TIMEOUT)

  it('costs (KH·KW − 1)(B + 2) per output without padding', async () => {
    const unpadded: FixedLayer = { ...pool, inShape: [1, 3, 3], outShape: [1, 2, 2], pads: [0, 0, 0, 0] } as FixedLayer
    const t = await compile(`= MaxPool2d(1, 3, 3, 2, 2, 1, 1, 0, 0, 2, 2, ${B})`)
    expect(t.constraintCount).toBe(layerCost(oneLayer(unpadded, 9, 4)))
  }, TIMEOUT)

  // A window that is short at the border repeats its first position, so its first comparison
  // is max(a, a): d is the constant 0, the product is linear and circom drops it (and the next
  // one collapses the same way once best = a is substituted). The estimate counts those folded
  // comparisons out (foldedComparisons), so it is exact, and below the unpadded formula.
  it('costs what estimateConstraints says with padding, fewer than (KH·KW − 1)(B + 2) per output', async () => {
    const count = (await compile(main)).constraintCount
    expect(count).toBe(layerCost(oneLayer(pool, 6, 12)))
    expect(count).toBeLessThan(12 * 3 * (B + 2))
  }, TIMEOUT)
})

describe('ConvChannel', () => {
  // Two input channels 3×3, a 2×2 kernel with padding 1 (top/left) → 3×3, ReLU, then a fused 2×2 max pool → 2×2.
  const weight = [3, -2, 1, 4, -1, 2, -3, 1]
  const conv = (pool: boolean): FixedLayer => ({
    kind: 'conv', ...io, bits: B, shift: 3, relu: true, inShape: [2, 3, 3], convShape: [1, 3, 3], kernel: [2, 2], stride: [1, 1], pads: [1, 1, 0, 0],
    group: 1, weight: weight.map(String), bias: ['5'], weightScale: 0,
    ...(pool ? { pool: { kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], outShape: [1, 2, 2] } } : {}),
  }) as FixedLayer
  const main = (pool: boolean) =>
    `= ConvChannel(2, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3, [${weight}], 5, 3, ${B}, 1, ${pool ? '1, 2, 2, 1, 1, 0, 0, 2, 2' : '0, 1, 1, 1, 1, 0, 0, 1, 1'})`
  const inputs = [Array.from({ length: 18 }, (_, i) => BigInt(((i * 37) % 101) - 50)), Array.from({ length: 18 }, (_, i) => BigInt(i % 2 ? -i * 3 : i * 2)), Array(18).fill(-20n)]

  it.each([false, true])('passes with evaluateFixed’s outputs (pool = %s)', async (pool) => {
    const t = await compile(main(pool))
    await expectMatchesEvaluator(t, oneLayer(conv(pool), 18, pool ? 4 : 9), inputs)
  }, TIMEOUT)

  it('fails witness generation when the pooled value overflows B bits', async () => {
    // The window of output (1, 1) sees input rows and columns 0..1 of both channels: signs matched to the weights.
    const x: bigint[] = Array(18).fill(0n)
    ;[[0, 127n], [1, -128n], [3, 127n], [4, 127n], [9, -128n], [10, 127n], [12, -128n], [13, 127n]].forEach(([i, v]) => (x[i as number] = v as bigint))
    const t = await compile(main(true))
    expect(() => evaluateFixed(oneLayer(conv(true), 18, 4), x)).toThrow()
    await t.expectFail({ in: x })
  }, TIMEOUT)

  it.each(LEVELS)('accepts only floor(max / 2^k) (with and without ReLU) over every bit assignment (k = 1, B = 2, --O%i)', async (O) => {
    for (const relu of [0, 1]) {
      // Two 1×1 convolutions (weight 1, bias 0) of a 1×2 image pooled by a 1×2 window: out = rescale(max(a, b)).
      const t = await compile(`= ConvChannel(1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 2, [1], 0, 1, 2, ${relu}, 1, 1, 2, 1, 1, 0, 0, 1, 1)`, O)
      await expectOnlyHonest({
        t,
        inputs: grid(2, -6, 6),
        bits: [...bitNames('main.cbits[0][0]', 4), ...bitNames('main.rbits[0]', 3)],
        derive: ([a, b], bit) => {
          const best = b! + bit('main.cbits[0][0][3]') * (a! - b!)
          const q = bit('main.rbits[0][1]') + 2n * bit('main.rbits[0][2]') - 2n
          return { 'main.best[0][0]': best, 'main.out[0]': relu ? q * bit('main.rbits[0][2]') : q }
        },
        expected: ([a, b]) => {
          const q = floorDiv(a! > b! ? a! : b!, 1)
          return { 'main.out[0]': relu ? max0(q) : q }
        },
      })
    }
  }, TIMEOUT)

  it.each([false, true])('costs what estimateConstraints says for one output channel (pool = %s)', async (pool) => {
    expect((await compile(main(pool))).constraintCount).toBe(layerCost(oneLayer(conv(pool), 18, pool ? 4 : 9)))
  }, TIMEOUT)
})

describe('Clip', () => {
  const clip = (min: string | null, max: string | null): FixedLayer => ({ kind: 'clip', ...io, bits: B, size: 6, min, max })
  const flag = (v: string | null) => (v === null ? '0, 0' : `1, ${v}`)
  const inputs = [[-128n, -21n, -20n, 0n, 50n, 127n], [51n, 49n, -19n, 3n, -100n, 100n]]

  it.each([['-20', '50'], ['-20', null], [null, '50']] as const)('passes with clip to [%s, %s]', async (min, max) => {
    const t = await compile(`= Clip(6, ${B}, ${flag(min)}, ${flag(max)})`)
    await expectMatchesEvaluator(t, oneLayer(clip(min, max), 6, 6), inputs)
    expect(t.constraintCount).toBe(layerCost(oneLayer(clip(min, max), 6, 6)))
  }, TIMEOUT)

  it('fails witness generation for an input too far from a bound (not B-bit)', async () => {
    const t = await compile(`= Clip(6, ${B}, 1, -20, 1, 50)`)
    await t.expectFail({ in: [300n, 0n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a value passed through below the lower bound, comparison bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= Clip(1, ${B}, 1, -20, 0, 0)`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const d = x + 20n
      const bits = flip ? flippedSignBits(d, B + 1) : attackerBits(d + 256n, B + 1)
      const low = -20n + bits[B]! * d
      const values: Signals = { 'main.in[0]': x, 'main.low[0]': low, 'main.out[0]': low }
      bitNames('main.lobits[0]', B + 1).forEach((name, b) => (values[name] = bits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-100n, -21n, 5n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the clipped value over every bit assignment (B = 3, [−2, 2], --O%i)', async (O) => {
    const t = await compile('= Clip(1, 3, 1, -2, 1, 2)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -10, 10),
      bits: [...bitNames('main.lobits[0]', 4), ...bitNames('main.hibits[0]', 4)],
      derive: ([x], bit) => {
        const low = -2n + bit('main.lobits[0][3]') * (x! + 2n)
        return { 'main.low[0]': low, 'main.out[0]': 2n - bit('main.hibits[0][3]') * (2n - low) }
      },
      expected: ([x]) => ({ 'main.out[0]': x! < -2n ? -2n : x! > 2n ? 2n : x! }),
    })
  }, TIMEOUT)
})

describe('LeakyRelu', () => {
  const leaky: FixedLayer = { kind: 'leakyrelu', ...io, bits: B, size: 6, alpha: '26', alphaShift: 8 }
  const main = `= LeakyRelu(6, ${B}, 26, 8)`

  it('passes with x for x ≥ 0 and floor(alpha·x / 2^T) below, at the evaluator’s cost', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(leaky, 6, 6), [[-128n, -10n, -1n, 0n, 1n, 127n], [-50n, -9n, 9n, 50n, -100n, 100n]])
    expect(t.constraintCount).toBe(layerCost(oneLayer(leaky, 6, 6)))
  }, TIMEOUT)

  it('fails witness generation for an input outside B bits', async () => {
    const t = await compile(main)
    for (const bad of [128n, -129n]) await t.expectFail({ in: [bad, 0n, 0n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a negative value passed through and a positive one scaled, sign bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= LeakyRelu(1, ${B}, 26, 8)`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const sign = flip ? flippedSignBits(x, B) : attackerBits(x + 128n, B)
      const acc = 26n * x
      const nbits = attackerBits(acc + (1n << BigInt(8 + B - 1)), 8 + B)
      const neg = floorDiv(acc, 8)
      const values: Signals = { 'main.in[0]': x, 'main.out[0]': neg + sign[B - 1]! * (x - neg) }
      bitNames('main.sbits[0]', B).forEach((name, b) => (values[name] = sign[b]!))
      bitNames('main.nbits[0]', 8 + B).forEach((name, b) => (values[name] = nbits[b]!))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-100n, -1n, 1n, 100n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the leaky ReLU over every bit assignment (B = 3, alpha = 3/4, --O%i)', async (O) => {
    const t = await compile('= LeakyRelu(1, 3, 3, 2)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -8, 8),
      bits: [...bitNames('main.sbits[0]', 3), ...bitNames('main.nbits[0]', 5)],
      derive: ([x], bit) => {
        const neg = bit('main.nbits[0][2]') + 2n * bit('main.nbits[0][3]') + 4n * bit('main.nbits[0][4]') - 4n
        return { 'main.out[0]': neg + bit('main.sbits[0][2]') * (x! - neg) }
      },
      expected: ([x]) => ({ 'main.out[0]': x! >= 0n ? x! : floorDiv(3n * x!, 2) }),
    })
  }, TIMEOUT)
})

describe('PiecewiseLinear', () => {
  const pwl = (): FixedLayer => ({
    kind: 'pwl', ...io, bits: B, inputBits: B, shift: 2, size: 4, fn: 'tanh', base: '5', knots: ['-50', '0', '40'], hinges: ['6', '-1', '-2'],
  })
  const main = `= PiecewiseLinear(4, ${B}, 3, [-50,0,40], [6,-1,-2], 5, 2, ${B})`

  it('passes with the hinge sum rescaled, at the evaluator’s cost', async () => {
    const t = await compile(main)
    await expectMatchesEvaluator(t, oneLayer(pwl(), 4, 4), [[-128n, -50n, -49n, 0n], [20n, 40n, 41n, -10n]])
    expect(t.constraintCount).toBe(layerCost(oneLayer(pwl(), 4, 4)))
  }, TIMEOUT)

  it('fails witness generation when the result overflows B bits', async () => {
    const t = await compile(main)
    expect(() => evaluateFixed(oneLayer(pwl(), 4, 4), [60n, 0n, 0n, 0n])).toThrow()
    await t.expectFail({ in: [60n, 0n, 0n, 0n] })
  }, TIMEOUT)

  it.each(LEVELS)('rejects a hinge switched off, its bit flipped with a carry (--O%i)', async (O) => {
    const t = await compile(`= PiecewiseLinear(1, ${B}, 1, [0], [4], 2, 2, ${B})`, O)
    const base = await t.witness({ in: [0n] })
    const claim = (x: bigint, flip: boolean) => {
      const hbits = flip ? flippedSignBits(x, B + 1) : attackerBits(x + 256n, B + 1)
      const hinge = hbits[B]! * x
      const acc = 2n + 4n * hinge
      const values: Signals = { 'main.in[0]': x, 'main.hinge[0][0]': hinge, 'main.out[0]': floorDiv(acc, 2) }
      bitNames('main.hbits[0][0]', B + 1).forEach((name, b) => (values[name] = hbits[b]!))
      attackerBits(acc + (1n << BigInt(2 + B - 1)), 2 + B).forEach((bit, b) => (values[`main.rbits[0][${b}]`] = bit))
      return t.checkConstraints(forgeAs(t, base, values)).ok
    }
    for (const x of [-30n, -1n, 1n, 30n]) {
      expect(claim(x, false), `control ${x}`).toBe(true)
      expect(claim(x, true), `flipped ${x}`).toBe(false)
    }
  }, TIMEOUT)

  it.each(LEVELS)('accepts only the interpolated value over every bit assignment (two hinges, --O%i)', async (O) => {
    const t = await compile('= PiecewiseLinear(1, 3, 2, [-1,2], [3,-2], 1, 1, 4)', O)
    await expectOnlyHonest({
      t,
      inputs: grid(1, -6, 6),
      bits: [...bitNames('main.hbits[0][0]', 4), ...bitNames('main.hbits[0][1]', 4), ...bitNames('main.rbits[0]', 5)],
      derive: ([x], bit) => {
        const h0 = bit('main.hbits[0][0][3]') * (x! + 1n)
        const h1 = bit('main.hbits[0][1][3]') * (x! - 2n)
        const q = [1, 2, 3, 4].reduce((s, b) => s + bit(`main.rbits[0][${b}]`) * (1n << BigInt(b - 1)), 0n) - 8n
        return { 'main.hinge[0][0]': h0, 'main.hinge[0][1]': h1, 'main.out[0]': q }
      },
      expected: ([x]) => ({ 'main.out[0]': floorDiv(1n + 3n * max0(x! + 1n) - 2n * max0(x! - 2n), 1) }),
    })
  }, TIMEOUT)
})

describe('a sigmoid after a concatenation of differently scaled branches', () => {
  // concat upshifts the coarser branch, so its tensor is wider than B (here 18 bits for B = 10);
  // each hinge must compare x − knot at the input's width, not the output's (regression test).
  it('proves what evaluateFixed computes', async () => {
    const dense = (name: string, input: string, weight: number[], outFeatures: number): Op => ({
      kind: 'dense', name, input, output: `${name}.out`, inFeatures: weight.length / outFeatures, outFeatures, weight: Float64Array.from(weight), bias: new Float64Array(outFeatures),
    })
    const ops: Op[] = [
      dense('a', 'input', [0.01, 0.01], 1),
      dense('b', 'input', [3, 3], 1),
      { kind: 'concat', name: 'cat', inputs: ['a.out', 'b.out'], output: 'cat.out', source: Int32Array.from([0, 0, 1, 0]) },
      { kind: 'sigmoid', name: 'sig', input: 'cat.out', output: 'sig.out' },
      dense('c', 'sig.out', [1, -1, -1, 1], 2),
    ]
    const tensors = { input: [1, 2], 'a.out': [1, 1], 'b.out': [1, 1], 'cat.out': [1, 2], 'sig.out': [1, 2], 'c.out': [1, 2] }
    const ir: ModelIR = { name: 'concat-sigmoid', producer: 'test', opsetVersion: 13, input: { name: 'input', shape: [1, 2] }, output: { name: 'c.out', shape: [1, 2] }, tensors, ops }
    const calibration = [[1, 1], [-1, -1], [0.5, -0.2], [-0.9, 0.8]]
    const model = quantizeModel(ir, { calibration, bits: 10 })
    expect(model.layers.find((l) => l.kind === 'concat')!.bits).toBeGreaterThan(10)
    const t = await compileTestCircuit(emitCircom(model, { inputVisibility: 'private' }))
    for (const input of calibration) {
      const x = quantizeInput(model, input)
      const w = await t.tryWitness({ in: x, prover: 1n })
      expect(w, `no witness for calibration input [${input}]`).toBeDefined()
      expect(outputs(t, w!, 2)).toEqual(evaluateFixed(model, x).outputQ)
    }
  }, TIMEOUT)
})

describe('PackedInputHash', () => {
  it.each([[3, 8], [23, 11], [24, 11], [100, 16]])('equals hashInput for n = %i, B = %i, at the estimated cost', async (n, bits) => {
    const t = await compile(`= PackedInputHash(${n}, ${bits})`)
    const half = 1 << (bits - 1)
    const x = Array.from({ length: n }, (_, i) => BigInt(((i * 7919) % (2 * half)) - half))
    x[0] = BigInt(-half)
    x[n - 1] = BigInt(half - 1)
    const w = await t.expectPass({ in: x })
    expect(w[t.signal('main.hash')]).toBe(await hashInput(x, bits))
    const model = { ...oneLayer({ kind: 'relu', ...io, bits, size: n }, n, n), input: { name: 'x', shape: [n], scale: 0, bits } }
    expect(t.constraintCount).toBe(estimateConstraints(model).find((p) => p.name === 'input hash')!.constraints)
  }, TIMEOUT)

  it('fails witness generation when a wrapper checks it against a wrong hash', async () => {
    const t = await compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";
template Claimed(n, B) { signal input in[n]; signal input claimed; component h = PackedInputHash(n, B); h.in <== in; h.hash === claimed; }
component main {public [claimed]} = Claimed(4, ${B});\n`)
    const x = [1n, -2n, 3n, -128n]
    await t.expectPass({ in: x, claimed: await hashInput(x, B) })
    await t.expectFail({ in: [1n, -2n, 3n, -127n], claimed: await hashInput(x, B) })
  }, TIMEOUT)

  it('is binding only together with the range check: a carried slot collides alone, and InputRange rejects it', async () => {
    // Packing puts in[0] + 2^(B−1) in the low B bits and in[1] + 2^(B−1) above it, so
    // (in[0] + 2^B, in[1] − 1) packs to the same element and hashes the same.
    const x = [5n, 9n]
    const collide = [5n + 256n, 8n]
    const alone = await compile(`= PackedInputHash(2, ${B})`)
    const w = await alone.witness({ in: x })
    const forged = alone.forge(w, { 'main.in[0]': collide[0]!, 'main.in[1]': collide[1]! })
    expect(alone.checkConstraints(forged).ok).toBe(true)
    // The same packed element, computed without packInput's range check (which refuses the carried slot).
    const packedUnchecked = (v: bigint[]) => v.reduce((element, value, i) => element + ((value + (1n << BigInt(B - 1))) << BigInt(B * i)), 0n)
    expect(packedUnchecked(collide)).toBe(packedUnchecked(x))
    expect(() => packInput(collide, B)).toThrow(/does not fit in 8 signed bits/)

    const ranged = await compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";
template RangedHash(n, B) { signal input in[n]; signal output hash; component r = InputRange(n, B); r.in <== in; component h = PackedInputHash(n, B); h.in <== in; hash <== h.hash; }
component main = RangedHash(2, ${B});\n`, { optimization: 1 })
    const base = await ranged.witness({ in: x })
    // The forgery leaves the hash's wires as they are (same packed element) and redoes the range bits.
    const claim = (v: bigint[], mode: 'carry' | 'wrap') => {
      const values: Signals = {}
      v.forEach((value, i) => {
        values[`main.in[${i}]`] = value
        values[`main.r.range[${i}].in`] = value
        values[`main.r.range[${i}].bits.value`] = value + 128n
        attackerBits(value + 128n, B, mode).forEach((bit, b) => (values[`main.r.range[${i}].bits.bits[${b}]`] = bit))
      })
      return ranged.checkConstraints(forgeAs(ranged, base, values))
    }
    await ranged.expectFail({ in: collide })
    for (const mode of ['carry', 'wrap'] as const) {
      const { ok, failing } = claim(collide, mode)
      expect(ok, mode).toBe(false)
      // Only the range check of in[0] objects: the hash itself is satisfied.
      expect(failing.length, mode).toBeLessThanOrEqual(2)
    }
  }, TIMEOUT)
})

describe('a whole model of these layers', () => {
  it('costs what estimateConstraints says (conv + pool, clip, leaky ReLU, pwl)', async () => {
    const strings = (v: number[]) => v.map(String)
    const model: FixedPointModel = {
      ...oneLayer({ kind: 'relu', ...io, bits: B, size: 1 }, 18, 4),
      layers: [
        {
          kind: 'conv', name: 'conv', input: 'x', output: 'c', scale: 0, bits: B, shift: 3, relu: true, inShape: [2, 3, 3], convShape: [1, 3, 3], kernel: [2, 2], stride: [1, 1],
          pads: [1, 1, 0, 0], group: 1, weight: strings([3, -2, 1, 4, -1, 2, -3, 1]), bias: ['5'], weightScale: 0,
          pool: { kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], outShape: [1, 2, 2] },
        },
        { kind: 'clip', name: 'clip', input: 'c', output: 'k', scale: 0, bits: B, size: 4, min: '-20', max: '50' },
        { kind: 'leakyrelu', name: 'leaky', input: 'k', output: 'l', scale: 0, bits: B, size: 4, alpha: '26', alphaShift: 8 },
        { kind: 'pwl', name: 'pwl', input: 'l', output: 'y', scale: 0, bits: B, inputBits: B, shift: 2, size: 4, fn: 'tanh', base: '5', knots: ['-50', '0', '40'], hinges: ['6', '-1', '-2'] },
      ],
    }
    const t = await compileTestCircuit(emitCircom(model))
    expect(t.constraintCount).toBe(totalConstraints(estimateConstraints(model)))
    const x = Array.from({ length: 18 }, (_, i) => BigInt(((i * 37) % 101) - 50))
    const w = await t.witness({ in: x, prover: 1n })
    expect(outputs(t, w, 4)).toEqual(evaluateFixed(model, x).outputQ)
    expect(w[t.signal('main.inputHash')]).toBe(await hashInput(x, B))
  }, TIMEOUT)
})
