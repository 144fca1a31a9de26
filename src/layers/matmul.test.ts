/**
 * The matmul layer kind (product of two computed tensors) and its template
 * MatMulRescale (circuits/tensorOps.circom): honest values equal the integer
 * evaluator on random small batched shapes, an out-of-range dot product fails
 * witness generation, forged witnesses (another quotient/remainder pair, a
 * product signal that is not a·b with the decomposition adjusted to it,
 * another output) fail the constraint check, and the compiled counts at --O1
 * and --O2 equal the kind's `constraints`.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { compileTestCircuit } from '../../test/support/circuitTester.js'
import { attackerBits, forgeAs, type Signals } from '../../test/support/forgery.js'
import type { ModelIR } from '../model/ir.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import { matmulLayer, type FixedMatMulLayer } from './matmul.js'
import { expectPaddedCircuit, paddedModel } from './testing/paddedModel.js'
import { twoTensorCircuit, twoTensorCost, twoTensorModel } from './testing/twoTensorModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers, type LayerCase } from './testing/layerHarness.js'

const B = 8
const K = 2
const TIMEOUT = 240_000
const compile = (main: string, optimization: 1 | 2 = 2) => compileTestCircuit(`pragma circom 2.1.0;\ninclude "tensorOps.circom";\ncomponent main ${main};\n`, { optimization })

// a is 2×3, b is 3×2, offset 2 = 2^(K−1).
const A = [[3n, -2n, 5n], [-7n, 1n, 0n]]
const Bm = [[4n, -1n], [2n, 6n], [-3n, 3n]]
const dot = (a: bigint[][], b: bigint[][], i: number, j: number) => a[i]!.reduce((s, v, l) => s + v * b[l]![j]!, 0n)

const harnessRandom = seededIntegers(29)
const harnessCase = (title: string, over: Partial<FixedMatMulLayer> & Pick<FixedMatMulLayer, 'aBatch' | 'bBatch' | 'batch' | 'm' | 'k' | 'n'>, constantInputs?: LayerCase['constantInputs']): LayerCase => {
  const layer: FixedMatMulLayer = { kind: 'matmul', name: 'attn', inputs: ['a', 'b'], output: 'y', scale: 0, bits: B, shift: K, relu: false, offset: String(1 << (K - 1)), ...over }
  const sizeOf = (batch: readonly number[], rows: number, cols: number) => batch.reduce((a, b) => a * b, 1) * rows * cols
  const inputSizes = [sizeOf(layer.aBatch, layer.m, layer.k), sizeOf(layer.bBatch, layer.k, layer.n)]
  const { accepted, rejected } = drawInputs(layer, inputSizes, { random: harnessRandom, bits: [B - 2, B - 2] })
  if (!constantInputs) return { title, layer, inputSizes, inputs: accepted, rejected }
  // Constant positions are zeros (the circuit wires them so); the evaluator must see the same values.
  const inputs = accepted.map((xs) => xs.map((x, k) => x.map((v, i) => (constantInputs[k]?.[i] ? 0n : v))))
  return { title, layer, inputSizes, inputs, constantInputs }
}

// The shared harness also proves glassbox's own witness (the kind's mirror) is circom's, wire for wire.
describeLayerCircuit('matmul as emitted (shared harness)', [
  harnessCase('batch [2] by a broadcast [1], 2×3·3×2, ReLU', { aBatch: [2], bBatch: [1], batch: [2], m: 2, k: 3, n: 2, relu: true }),
  harnessCase('K = 1 (one placeholder product per output)', { aBatch: [], bBatch: [], batch: [], m: 3, k: 1, n: 2 }),
  harnessCase('constant-zero operands', { aBatch: [], bBatch: [], batch: [], m: 2, k: 2, n: 2 }, [[true, false, false, false], [false, false, true, false]]),
])

describe.each([1, 2] as const)('MatMulRescale at --O%i', (O) => {
  describe.each([0, 1])('relu %i', (relu) => {
    const main = `= MatMulRescale(2, 3, 2, 2, ${K}, ${B}, ${relu})`
    const expected = (a: bigint[][], b: bigint[][], i: number, j: number) => {
      const q = (dot(a, b, i, j) + 2n) >> BigInt(K)
      return relu && q < 0n ? 0n : q
    }

    it('passes with out = floor((a·b + offset) / 2^k), fails witness generation when a dot product leaves B bits', async () => {
      const t = await compile(main, O)
      const want: Record<string, bigint> = {}
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) want[`main.out[${i}][${j}]`] = expected(A, Bm, i, j)
      await t.expectPass({ a: A, b: Bm }, want)
      await t.expectFail({ a: [[100n, 100n, 0n], [0n, 0n, 0n]], b: [[100n, 0n], [100n, 0n], [0n, 0n]] })
    }, TIMEOUT)

    it('rejects another quotient/remainder pair, a forged product signal and another output', async () => {
      const t = await compile(main, O)
      const base = await t.witness({ a: A, b: Bm })
      const size = 1n << BigInt(K)
      const acc = dot(A, Bm, 0, 0) + 2n
      const q = acc >> BigInt(K)
      const r = acc - q * size
      const rescale = (q2: bigint, r2: bigint, mode: 'carry' | 'wrap'): Signals => {
        const values: Signals = { 'main.out[0][0]': relu ? 0n : q2 }
        const bits = [...attackerBits(r2, K, mode), ...attackerBits(q2 + (1n << BigInt(B - 1)), B, mode)]
        if (relu) values['main.out[0][0]'] = q2 * bits[K + B - 1]!
        bits.forEach((bit, t2) => (values[`main.bits[0][0][${t2}]`] = bit))
        return values
      }
      expect(t.checkConstraints(forgeAs(t, base, rescale(q, r, 'carry'))).ok, 'control').toBe(true)
      for (const mode of ['carry', 'wrap'] as const) {
        for (const [q2, r2] of [[q + 1n, r - size], [q - 1n, r + size]] as const) expect(t.checkConstraints(forgeAs(t, base, rescale(q2, r2, mode))).ok, `q ${q2}, r ${r2}, ${mode}`).toBe(false)
      }
      // The first product claimed 2^k larger, and the decomposition honestly of the larger sum: only a·b === product objects.
      const p0 = A[0]![0]! * Bm[0]![0]!
      const larger = acc + size
      const forged = forgeAs(t, base, { 'main.products[0][0][0]': p0 + size, ...rescale(larger >> BigInt(K), larger - (larger >> BigInt(K)) * size, 'wrap') })
      expect(t.hasSignal('main.products[0][0][0]')).toBe(true)
      expect(t.checkConstraints(forged).ok).toBe(false)
      expect(t.checkConstraints(t.forge(base, { 'main.out[1][1]': expected(A, Bm, 1, 1) + 1n })).ok).toBe(false)
    }, TIMEOUT)
  })
})

describe('matmul layers as circuits: evaluator = circuit, compiled cost = estimate', () => {
  const random = seededRandom(5)
  const geometries = [
    { aBatch: [2], bBatch: [2], batch: [2], m: 2, k: 3, n: 2, shift: 3, relu: false },
    { aBatch: [2, 1], bBatch: [3], batch: [2, 3], m: 1, k: 2, n: 2, shift: 1, relu: true },
    { aBatch: [], bBatch: [], batch: [], m: 3, k: 1, n: 2, shift: 2, relu: false },
  ]
  it.each(geometries.flatMap((g) => [1, 2].map((O) => ({ ...g, O: O as 1 | 2 }))))('batch $batch, $m×$k·$k×$n (relu $relu) at --O$O', async ({ O, ...g }) => {
    const layer: FixedMatMulLayer = { kind: 'matmul', name: 'mm', inputs: ['a', 'b'], output: 'y', scale: 0, bits: 12, offset: String(1 << (g.shift - 1)), ...g }
    const sizeA = g.aBatch.reduce((p, d) => p * d, 1) * g.m * g.k
    const sizeB = g.bBatch.reduce((p, d) => p * d, 1) * g.k * g.n
    const model = twoTensorModel({ layer, sizeA, sizeB, bits: 6 })
    const t = await compileTestCircuit(twoTensorCircuit(model), { optimization: O })
    const cost = twoTensorCost(model, O)
    expect(t.constraintCount).toBe(cost.total)
    expect(cost.layer).toBe(matmulLayer.constraints(layer, { o1: O === 1, constantsOf: () => undefined }))
    for (let trial = 0; trial < 5; trial++) {
      const x = Array.from({ length: sizeA + sizeB }, () => BigInt(Math.floor(random(-32, 32))))
      const expected = evaluateFixed(model, x).outputQ
      expect(evaluateFixed(model, x, { float64: false }).outputQ).toEqual(expected)
      const w = await t.expectPass({ in: x, prover: 1 })
      expect(expected.map((_, i) => t.read(w, `main.out[${i}]`)), `[${x}]`).toEqual(expected)
    }
  }, TIMEOUT)
})

describe('matmul over padding zeros', () => {
  it('--O2 folds every product with a constant-zero operand, and the estimate counts them (--O1 keeps them)', async () => {
    // The padded 4×4 image times x as a column: rows 0 and 3 are all padding, rows 1 and 2 half.
    const layer: FixedMatMulLayer = { kind: 'matmul', name: 'mm', inputs: ['p', 'x'], output: 'y', scale: 0, bits: 12, shift: 1, relu: false, aBatch: [], bBatch: [], batch: [], m: 4, k: 4, n: 1, offset: '1' }
    const model = paddedModel(layer, 4)
    expect(matmulLayer.constraints(layer, { o1: false, constantsOf: () => undefined }) - twoTensorCost(model, 2).layer).toBe(12)
    await expectPaddedCircuit(model)
  }, TIMEOUT)
})

describe('quantizing an attention product', () => {
  it('multiplies at the product scale and rescales to the calibrated output scale', () => {
    const ir: ModelIR = {
      name: 'scores', producer: 'test', opsetVersion: 13,
      input: { name: 'x', shape: [2, 2] }, output: { name: 'y', shape: [2, 2] },
      tensors: { x: [2, 2], q: [2, 2], y: [2, 2] },
      ops: [
        { kind: 'affine', name: 'query', input: 'x', output: 'q', scale: Float64Array.of(3, 3, 3, 3), shift: Float64Array.of(0, 0, 0, 0) },
        { kind: 'matmul', name: 'qx', inputs: ['q', 'x'], output: 'y', aBatch: [], bBatch: [], batch: [], m: 2, k: 2, n: 2 },
      ],
    }
    const calibration = [[1, -1, 0.5, 0.25], [-1, 1, 1, -0.5]]
    const model = quantizeModel(ir, { calibration, bits: 12 })
    const mm = model.layers.find((l) => l.name === 'qx') as FixedMatMulLayer
    const sq = model.layers.find((l) => l.name === 'query')!.scale
    expect(mm.scale + mm.shift).toBe(sq + model.input.scale)
    for (const x of calibration) {
      const { outputQ } = evaluateFixed(model, x.map((v) => BigInt(Math.round(v * 2 ** model.input.scale))))
      // y = 3·X·X
      const X = [[x[0]!, x[1]!], [x[2]!, x[3]!]]
      const want = [0, 1].flatMap((i) => [0, 1].map((j) => 3 * (X[i]![0]! * X[0]![j]! + X[i]![1]! * X[1]![j]!)))
      outputQ.forEach((v, i) => expect(Number(v) / 2 ** mm.scale).toBeCloseTo(want[i]!, 1))
    }
  })
})
