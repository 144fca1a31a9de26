/**
 * The binary layer kind (add/sub/mul of two computed tensors) and its
 * templates AddRescale and MulRescale (circuits/tensorOps.circom): honest
 * values equal the integer evaluator on random small shapes with
 * broadcasting, values out of range fail witness generation, forged
 * witnesses (another quotient/remainder pair, re-decomposed with a carry or
 * wrapped; another output; a flipped ReLU sign) fail the constraint check,
 * the compiled counts at --O1 and --O2 equal the kind's `constraints`, and
 * quantizing a float residual add picks the common scale.
 */
import { describe, expect, it } from 'vitest'
import { attackerBits, forgeAs, type Signals } from '../../test/support/forgery.js'
import { compileTestCircuit, type CircuitTester } from '../../test/support/circuitTester.js'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { broadcastShapes } from '../model/broadcast.js'
import type { ModelIR } from '../model/ir.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import { binaryLayer, type FixedBinaryLayer } from './binary.js'
import { expectPaddedCircuit, paddedModel } from './testing/paddedModel.js'
import { twoTensorCircuit, twoTensorCost, twoTensorModel } from './testing/twoTensorModel.js'
import type { FixedLayer } from './layerTable.js'
import { describeLayerCircuit, drawInputs, seededIntegers, type LayerCase } from './testing/layerHarness.js'

const B = 8
const K = 3
const TIMEOUT = 240_000
const compile = (main: string, optimization: 1 | 2 = 2) => compileTestCircuit(`pragma circom 2.1.0;\ninclude "tensorOps.circom";\ncomponent main ${main};\n`, { optimization })

const layerOf = (over: Partial<FixedBinaryLayer>): FixedBinaryLayer => ({
  kind: 'binary', name: 'join', op: 'add', inputs: ['a', 'b'], output: 'y', scale: 0, bits: B, shift: K, relu: false,
  aShape: [4], bShape: [4], outShape: [4], upshift: [0, 0], offset: String(1 << (K - 1)), ...over,
})

const harnessRandom = seededIntegers(23)
const harnessCase = (title: string, over: Partial<FixedBinaryLayer>, constantInputs?: LayerCase['constantInputs']): LayerCase => {
  const layer = layerOf(over)
  const inputSizes = [layer.aShape, layer.bShape].map((shape) => shape.reduce((a, b) => a * b, 1))
  const { accepted, rejected } = drawInputs(layer, inputSizes, { random: harnessRandom, bits: [B, B] })
  if (!constantInputs) return { title, layer, inputSizes, inputs: accepted, rejected }
  // Constant positions are zeros (the circuit wires them so); the evaluator must see the same values.
  const inputs = accepted.map((xs) => xs.map((x, k) => x.map((v, i) => (constantInputs[k]?.[i] ? 0n : v))))
  return { title, layer, inputSizes, inputs, constantInputs }
}

// The shared harness also proves glassbox's own witness (the kind's mirror) is circom's, wire for wire.
describeLayerCircuit('binary as emitted (shared harness)', [
  harnessCase('add, upshifted, same shapes', { aShape: [2, 3], bShape: [2, 3], outShape: [2, 3], upshift: [3, 0] }),
  harnessCase('sub with ReLU, both operands broadcast', { op: 'sub', aShape: [2, 1, 3], bShape: [4, 1], outShape: [2, 4, 3], upshift: [0, 2], relu: true }),
  harnessCase('mul, one operand broadcast, a constant-zero operand', { op: 'mul', aShape: [3], bShape: [2, 1], outShape: [2, 3] }, [[false, true, false], undefined]),
])

/** The bits an attacker writes for a claimed acc = q·2^k + r at output i of an inline rescale (`main.bits[i][t]`). */
function claimedRescale(i: number, q: bigint, r: bigint, k: number, relu: boolean, mode: 'carry' | 'wrap'): Signals {
  const low = attackerBits(r, k, mode)
  const high = attackerBits(q + (1n << BigInt(B - 1)), B, mode)
  const values: Signals = { [`main.out[${i}]`]: relu ? q * high[B - 1]! : q }
  ;[...low, ...high].forEach((bit, t) => (values[`main.bits[${i}][${t}]`] = bit))
  return values
}

const accOf = (op: 'add' | 'sub' | 'mul', a: bigint, b: bigint, upA: number, upB: number, offset: bigint) =>
  op === 'mul' ? a * b + offset : (a << BigInt(upA)) + (op === 'sub' ? -(b << BigInt(upB)) : b << BigInt(upB)) + offset

describe.each([1, 2] as const)('AddRescale / MulRescale templates at --O%i', (O) => {
  const cases = [
    { op: 'add', main: `= AddRescale(2, 1, 0, 0, 4, ${K}, ${B}, 0)`, upA: 1, upB: 0, relu: false },
    { op: 'sub', main: `= AddRescale(2, 0, 2, 1, 4, ${K}, ${B}, 1)`, upA: 0, upB: 2, relu: true },
    { op: 'mul', main: `= MulRescale(2, 4, ${K}, ${B}, 0)`, upA: 0, upB: 0, relu: false },
    { op: 'mul', main: `= MulRescale(2, 4, ${K}, ${B}, 1)`, upA: 0, upB: 0, relu: true },
  ] as const
  describe.each(cases)('$op (relu $relu)', ({ op, main, upA, upB, relu }) => {
    const expected = (a: bigint, b: bigint) => {
      const q = accOf(op, a, b, upA, upB, 4n) >> BigInt(K)
      return relu && q < 0n ? 0n : q
    }
    const pairs: [bigint, bigint][] = op === 'mul' ? [[-11n, 7n], [0n, -128n], [15n, 16n], [-16n, -15n]] : [[-100n, 27n], [63n, -1n], [-64n, 0n], [5n, 31n]]

    it('passes with out = floor(acc / 2^k), and fails witness generation when the quotient leaves B bits', async () => {
      const t = await compile(main, O)
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const [p, q] = [pairs[i]!, pairs[i + 1]!]
        await t.expectPass({ a: [p[0], q[0]], b: [p[1], q[1]] }, { 'main.out[0]': expected(...p), 'main.out[1]': expected(...q) })
      }
      await t.expectFail(op === 'mul' ? { a: [100, 0], b: [100, 0] } : { a: [1000, 0], b: op === 'sub' ? [-1000, 0] : [1000, 0] })
    }, TIMEOUT)

    it('rejects another quotient/remainder pair (carried or wrapped bits) and another output', async () => {
      const t = await compile(main, O)
      const base = await t.witness({ a: [0, 0], b: [0, 0] })
      const size = 1n << BigInt(K)
      for (const [a, b] of pairs) {
        const acc = accOf(op, a, b, upA, upB, 4n)
        const q = acc >> BigInt(K)
        const r = acc - q * size
        const claim = (q2: bigint, r2: bigint, mode: 'carry' | 'wrap') => forgeAs(t, base, { 'main.a[0]': a, 'main.b[0]': b, ...claimedRescale(0, q2, r2, K, relu, mode) })
        expect(t.checkConstraints(claim(q, r, 'carry')).ok, `control ${a}, ${b}`).toBe(true)
        for (const mode of ['carry', 'wrap'] as const) {
          for (const [q2, r2] of [[q + 1n, r - size], [q - 1n, r + size]] as const) expect(t.checkConstraints(claim(q2, r2, mode)).ok, `${a} ∘ ${b}: q ${q2}, r ${r2}, ${mode}`).toBe(false)
        }
        const honest = await t.witness({ a: [a, 0], b: [b, 0] })
        expect(t.checkConstraints(t.forge(honest, { 'main.out[0]': expected(a, b) + 1n })).ok).toBe(false)
        if (relu && q !== 0n) {
          // A negative quotient passed through the ReLU, or a positive one zeroed.
          expect(t.checkConstraints(t.forge(honest, { 'main.out[0]': q < 0n ? q : 0n })).ok).toBe(false)
        }
      }
    }, TIMEOUT)
  })
})

describe('binary layers as circuits: evaluator = circuit, compiled cost = estimate', () => {
  const random = seededRandom(12)
  const shapes: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 1, 3], [4, 1]], [[3], [2, 1]]]
  const variants = [
    { op: 'add' as const, upshift: [2, 0] as [number, number], shift: 1, relu: true },
    // (shift 0 without ReLU at the model output would keep one more linear constraint per output at --O2,
    // out = a − b over public signals only, as for any layer there; inside a model it is substituted away.)
    { op: 'sub' as const, upshift: [0, 1] as [number, number], shift: 2, relu: false },
    { op: 'mul' as const, upshift: [0, 0] as [number, number], shift: 4, relu: false },
  ]
  it.each(variants.flatMap((v, i) => [1, 2].map((O) => ({ ...v, O: O as 1 | 2, shapes: shapes[i]! }))))('$op with shapes $shapes at --O$O', async ({ op, upshift, shift, relu, O, shapes: [aShape, bShape] }) => {
    const outShape = broadcastShapes(aShape, bShape)!
    const sizeA = aShape.reduce((p, d) => p * d, 1)
    const sizeB = bShape.reduce((p, d) => p * d, 1)
    const layer = layerOf({ op, aShape, bShape, outShape, upshift, shift, relu, bits: 10, offset: String(shift > 0 ? 1 << (shift - 1) : 0) })
    const model = twoTensorModel({ layer, sizeA, sizeB, bits: 6 })
    const t: CircuitTester = await compileTestCircuit(twoTensorCircuit(model), { optimization: O })
    const cost = twoTensorCost(model, O)
    expect(t.constraintCount).toBe(cost.total)
    expect(cost.layer).toBe(binaryLayer.constraints(layer, { o1: O === 1, constantsOf: () => undefined }))
    for (let trial = 0; trial < 6; trial++) {
      const x = Array.from({ length: sizeA + sizeB }, () => BigInt(Math.floor(random(-32, 32))))
      const expected = evaluateFixed(model, x).outputQ
      const w = await t.expectPass({ in: x, prover: 1 })
      expect(expected.map((_, i) => t.read(w, `main.out[${i}]`)), `[${x}]`).toEqual(expected)
    }
  }, TIMEOUT)
})

describe('binary layers over padding zeros', () => {
  it.each(['mul', 'add'] as const)('%s: --O2 folds a product with a constant-zero operand, and the estimate counts it (--O1 keeps it)', async (op) => {
    const layer = layerOf({ op, inputs: ['p', 'q'], aShape: [16], bShape: [16], outShape: [16], bits: 10, shift: 1, offset: '1' })
    const model = paddedModel(layer, 16)
    await expectPaddedCircuit(model)
  }, TIMEOUT)
})

describe('quantizing a residual add', () => {
  it('aligns both inputs to the finer scale, rescales to the calibrated output scale and fuses the ReLU after it', () => {
    // y = relu(2x + x/8): the branches have ranges 2 and 1/8, so scales 2^k apart.
    const ir: ModelIR = {
      name: 'residual', producer: 'test', opsetVersion: 13,
      input: { name: 'x', shape: [1, 2] }, output: { name: 'y', shape: [1, 2] },
      tensors: { x: [1, 2], big: [1, 2], small: [1, 2], s: [1, 2], y: [1, 2] },
      ops: [
        { kind: 'affine', name: 'double', input: 'x', output: 'big', scale: Float64Array.of(2, 2), shift: Float64Array.of(0, 0) },
        { kind: 'affine', name: 'eighth', input: 'x', output: 'small', scale: Float64Array.of(0.125, 0.125), shift: Float64Array.of(0, 0) },
        { kind: 'binary', name: 'skip', op: 'add', inputs: ['big', 'small'], output: 's', aShape: [1, 2], bShape: [1, 2], outShape: [1, 2] },
        { kind: 'relu', name: 'act', input: 's', output: 'y' },
      ],
    }
    const model = quantizeModel(ir, { calibration: [[1, -1], [0.5, 0.25], [-1, 1]], bits: 12 })
    const skip = model.layers.find((l) => l.name === 'skip') as FixedBinaryLayer
    const [big, small] = ['double', 'eighth'].map((n) => model.layers.find((l) => l.name === n)!.scale) as [number, number]
    expect(small - big).toBe(4)
    expect(skip).toMatchObject({ kind: 'binary', relu: true, output: 'y', upshift: [4, 0] })
    expect(skip.scale).toBe(small - skip.shift)
    expect(model.layers.map((l) => l.kind)).toEqual(['affine', 'affine', 'binary'])
    // 2.125·x at the output scale, rounded, ReLU'd.
    const { outputQ } = evaluateFixed(model, [BigInt(2 ** model.input.scale), BigInt(-(2 ** model.input.scale))])
    expect(Number(outputQ[0]) / 2 ** skip.scale).toBeCloseTo(2.125, 2)
    expect(outputQ[1]).toBe(0n)
  })
})

describe('binary and matmul shapes in model.json', () => {
  it('are refused unless the operands broadcast to the output (evaluator and wiring would disagree otherwise)', async () => {
    const { checkFixedPointWidths } = await import('../quantize/checkFixedPointWidths.js')
    const { QuantizeError } = await import('../errors.js')
    const honest = layerOf({ aShape: [2, 3], bShape: [3], outShape: [2, 3] })
    expect(() => checkFixedPointWidths(twoTensorModel({ layer: honest, sizeA: 6, sizeB: 3, bits: B }))).not.toThrow()
    const transposed = layerOf({ aShape: [2, 3], bShape: [3, 2], outShape: [3, 2] })
    expect(() => checkFixedPointWidths(twoTensorModel({ layer: transposed, sizeA: 6, sizeB: 6, bits: B }))).toThrow(QuantizeError)
    expect(() => checkFixedPointWidths(twoTensorModel({ layer: transposed, sizeA: 6, sizeB: 6, bits: B }))).toThrow(/not their broadcast/)
    const matmul: FixedLayer = { kind: 'matmul', name: 'mm', inputs: ['a', 'b'], output: 'y', scale: 0, bits: B, shift: 1, relu: false, aBatch: [2], bBatch: [3], batch: [2], m: 1, k: 1, n: 1, offset: '1' }
    expect(() => checkFixedPointWidths(twoTensorModel({ layer: matmul, sizeA: 2, sizeB: 3, bits: B }))).toThrow(/not their broadcast/)
  })
})
