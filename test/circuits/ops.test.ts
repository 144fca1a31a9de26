/**
 * Property tests per op: random small models built directly in the IR are
 * quantized, compiled to circom and run on random inputs; the circuit's
 * outputs must equal the integer evaluator bit for bit, the witness must
 * satisfy every constraint, and the compiled constraint count must equal
 * estimateConstraints (the regression check of the per-op costs).
 */
import { describe, expect, it } from 'vitest'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { fromField } from '../../src/field/fieldElement.js'
import { hashInput } from '../../src/field/hashInput.js'
import type { Chw, ModelIR, Op, Pads2d } from '../../src/model/ir.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import { quantizeInput } from '../../src/quantize/quantizeInput.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { seededRandom } from '../support/buildOnnx.js'
import { compileTestCircuit } from '../support/circuitTester.js'

const PROVER = '0x00000000000000000000000000000000000000aa'

type Random = (lo?: number, hi?: number) => number

function values(random: Random, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => random(-scale, scale))
}

function conv(random: Random, name: string, input: string, inShape: Chw, out: number, kernel: [number, number], stride: [number, number], pads: Pads2d, group = 1): Op & { kind: 'conv' } {
  const [c, h, w] = inShape
  const oh = Math.floor((h + pads[0] + pads[2] - kernel[0]) / stride[0]) + 1
  const ow = Math.floor((w + pads[1] + pads[3] - kernel[1]) / stride[1]) + 1
  return {
    kind: 'conv', name, input, output: `${name}.out`, inShape, outShape: [out, oh, ow], kernel, stride, pads, group,
    weight: values(random, (out * c * kernel[0] * kernel[1]) / group, 0.6), bias: values(random, out, 0.2),
  }
}

function dense(random: Random, name: string, input: string, inFeatures: number, outFeatures: number): Op {
  return { kind: 'dense', name, input, output: `${name}.out`, inFeatures, outFeatures, weight: values(random, inFeatures * outFeatures, 0.8), bias: values(random, outFeatures, 0.2) }
}

function model(name: string, inputShape: number[], ops: Op[], shapes: Record<string, readonly number[]>): ModelIR {
  const last = ops[ops.length - 1]!
  const tensors: Record<string, readonly number[]> = { input: inputShape, ...shapes }
  return { name, producer: 'test', opsetVersion: 13, input: { name: 'input', shape: inputShape }, output: { name: last.output, shape: tensors[last.output]! }, tensors, ops }
}

/** Shapes of every op output, from the op itself (tests build the IR by hand). */
function shapesOf(ops: Op[], sizes: Record<string, number>): Record<string, readonly number[]> {
  const shapes: Record<string, readonly number[]> = {}
  for (const op of ops) {
    if (op.kind === 'conv' || op.kind === 'maxpool' || op.kind === 'pad') shapes[op.output] = op.outShape
    else if (op.kind === 'dense') shapes[op.output] = [1, op.outFeatures]
    else shapes[op.output] = [1, sizes[op.output] ?? 0]
  }
  return shapes
}

async function expectExact(ir: ModelIR, { samples = 6, bits = 10, weightBits = 8, seed = 1, exactCount = true, optimization = 2 as 1 | 2 } = {}) {
  const random = seededRandom(seed)
  const size = ir.input.shape.reduce((a, b) => a * b, 1)
  const calibration = Array.from({ length: 24 }, () => Array.from(values(random, size)))
  const fixed = quantizeModel(ir, { calibration, bits, weightBits })
  const tester = await compileTestCircuit(emitCircom(fixed), { optimization })
  const estimate = totalConstraints(estimateConstraints(fixed, { optimization }))
  if (exactCount) expect(tester.constraintCount).toBe(estimate)
  // Comparisons between two constant (padding) zeros fold away in circom: the estimate is then an upper bound.
  else expect(tester.constraintCount).toBeLessThanOrEqual(estimate)
  for (const input of calibration.slice(0, samples)) {
    const { inputQ, signals } = circuitInput(fixed, input, PROVER)
    const expected = evaluateFixed(fixed, quantizeInput(fixed, input))
    const witness = await tester.witness(signals)
    expect(tester.checkConstraints(witness).ok).toBe(true)
    const outputs = expected.outputQ.map((_, i) => fromField(witness[tester.signal(`main.out[${i}]`)]!))
    expect(outputs).toEqual(expected.outputQ)
    expect(Number(witness[tester.signal('main.predicted')])).toBe(expected.argmax)
    expect(witness[tester.signal('main.inputHash')]).toBe(await hashInput(inputQ, fixed.input.bits))
  }
  return fixed
}

describe('every op: circuit equals the integer evaluator bit for bit', () => {
  it('conv (pad 1) + ReLU + 2×2 max pool fused before the rescale, then dense', async () => {
    const random = seededRandom(11)
    const c1 = conv(random, 'c1', 'input', [1, 6, 6], 2, [3, 3], [1, 1], [1, 1, 1, 1])
    const ops: Op[] = [
      c1,
      { kind: 'relu', name: 'r1', input: c1.output, output: 'r1.out' },
      { kind: 'maxpool', name: 'p1', input: 'r1.out', output: 'p1.out', inShape: c1.outShape, outShape: [2, 3, 3], kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0] },
      dense(random, 'fc', 'p1.out', 18, 3),
    ]
    const ir = model('conv-pool', [1, 1, 6, 6], ops, shapesOf(ops, { 'r1.out': 72 }))
    const fixed = await expectExact(ir)
    expect(fixed.layers.map((l) => l.kind)).toEqual(['conv', 'dense'])
    // Big models compile at --O1, which keeps linear constraints: its estimate must hold too.
    await expectExact(ir, { optimization: 1, samples: 2 })
  })

  it('depthwise and grouped convs with stride 2 and asymmetric padding', async () => {
    const random = seededRandom(12)
    const c1 = conv(random, 'dw', 'input', [2, 5, 5], 2, [3, 3], [2, 2], [0, 1, 1, 0], 2)
    const c2 = conv(random, 'g2', c1.output, c1.outShape, 4, [1, 1], [1, 1], [0, 0, 0, 0], 2)
    const ops: Op[] = [c1, c2, dense(random, 'fc', c2.output, 4 * c2.outShape[1] * c2.outShape[2], 2)]
    await expectExact(model('depthwise', [1, 2, 5, 5], ops, shapesOf(ops, {})))
  })

  it('a standalone max pool with padding, and zero padding as wiring', async () => {
    const random = seededRandom(13)
    const ops: Op[] = [
      { kind: 'pad', name: 'pad', input: 'input', output: 'pad.out', inShape: [1, 4, 4], outShape: [1, 5, 6], pads: [1, 0, 0, 2] },
      { kind: 'maxpool', name: 'mp', input: 'pad.out', output: 'mp.out', inShape: [1, 5, 6], outShape: [1, 3, 3], kernel: [3, 3], stride: [2, 2], pads: [1, 1, 1, 1] },
      dense(random, 'fc', 'mp.out', 9, 3),
    ]
    await expectExact(model('pool', [1, 1, 4, 4], ops, shapesOf(ops, {})))
    await expectExact(model('pool', [1, 1, 4, 4], ops, shapesOf(ops, {})), { optimization: 1, samples: 2 })
  })

  it('clip, leaky ReLU, sigmoid and tanh', async () => {
    const random = seededRandom(14)
    const ops: Op[] = [
      dense(random, 'd1', 'input', 4, 6),
      { kind: 'clip', name: 'clip', input: 'd1.out', output: 'clip.out', min: -0.25, max: 0.5 },
      dense(random, 'd2', 'clip.out', 6, 5),
      { kind: 'leakyrelu', name: 'leaky', input: 'd2.out', output: 'leaky.out', alpha: 0.1 },
      dense(random, 'd3', 'leaky.out', 5, 4),
      { kind: 'sigmoid', name: 'sig', input: 'd3.out', output: 'sig.out' },
      dense(random, 'd4', 'sig.out', 4, 4),
      { kind: 'tanh', name: 'tanh', input: 'd4.out', output: 'tanh.out' },
      dense(random, 'd5', 'tanh.out', 4, 3),
    ]
    const ir = model('activations', [1, 4], ops, shapesOf(ops, { 'clip.out': 6, 'leaky.out': 5, 'sig.out': 4, 'tanh.out': 4 }))
    await expectExact(ir)
    await expectExact(ir, { optimization: 1, samples: 2 })
  })

  it('permutation and concatenation of two branches', async () => {
    const random = seededRandom(15)
    const ops: Op[] = [
      dense(random, 'a', 'input', 4, 3),
      { kind: 'relu', name: 'ra', input: 'a.out', output: 'ra.out' },
      dense(random, 'b', 'input', 4, 2),
      { kind: 'permute', name: 'perm', input: 'b.out', output: 'perm.out', source: Int32Array.from([1, 0]) },
      { kind: 'concat', name: 'cat', inputs: ['ra.out', 'perm.out'], output: 'cat.out', source: Int32Array.from([0, 0, 1, 0, 0, 1, 1, 1, 0, 2]) },
      dense(random, 'c', 'cat.out', 5, 3),
    ]
    await expectExact(model('branches', [1, 4], ops, shapesOf(ops, { 'ra.out': 3, 'perm.out': 2, 'cat.out': 5 })))
  })
})
