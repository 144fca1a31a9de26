import { describe, expect, it } from 'vitest'
import { randomArray, seededRandom } from '../../test/support/buildOnnx.js'
import { evaluateFloat } from './evaluateFloat.js'
import { foldAffine } from './foldAffine.js'
import type { AffineOp, DenseOp, ModelIR, Op } from './ir.js'

const random = seededRandom(3)
const values = (n: number) => Float64Array.from(randomArray(random, n))

function dense(name: string, input: string, output: string, inFeatures: number, outFeatures: number): DenseOp {
  return { kind: 'dense', name, input, output, inFeatures, outFeatures, weight: values(inFeatures * outFeatures), bias: values(outFeatures) }
}
function affine(name: string, input: string, output: string, n: number): AffineOp {
  return { kind: 'affine', name, input, output, scale: values(n), shift: values(n) }
}

function chain(ops: Op[], inSize: number, outSize: number): ModelIR {
  const tensors: Record<string, number[]> = {}
  for (const op of ops) tensors[op.input] = tensors[op.output] = []
  return { name: 't', producer: '', opsetVersion: 13, input: { name: ops[0]!.input, shape: [1, inSize] }, output: { name: ops.at(-1)!.output, shape: [1, outSize] }, tensors, ops }
}

function expectSameFunction(a: ModelIR, b: ModelIR, inSize: number): void {
  for (let trial = 0; trial < 5; trial++) {
    const x = values(inSize)
    const ya = evaluateFloat(a, x).output
    const yb = evaluateFloat(b, x).output
    expect(yb.length).toBe(ya.length)
    ya.forEach((v, i) => expect(yb[i]).toBeCloseTo(v, 10))
  }
}

describe('foldAffine', () => {
  it('folds affines before and after a dense, and merges consecutive affines', () => {
    const model = chain([affine('a1', 'x', 't1', 4), affine('a2', 't1', 't2', 4), dense('fc', 't2', 't3', 4, 3), affine('a3', 't3', 't4', 3), { kind: 'relu', name: 'r', input: 't4', output: 'y' }], 4, 3)
    const folded = foldAffine(model)
    expect(folded.ops.map((op) => `${op.kind}:${op.input}->${op.output}`)).toEqual(['dense:x->t4', 'relu:t4->y'])
    expect(Object.keys(folded.tensors).sort()).toEqual(['t4', 'x', 'y'])
    expectSameFunction(model, folded, 4)
  })

  it('merges dense → dense unless the first is a bottleneck', () => {
    const wide = chain([dense('d1', 'x', 'h', 3, 4), dense('d2', 'h', 'y', 4, 2)], 3, 2)
    const merged = foldAffine(wide)
    expect(merged.ops).toHaveLength(1)
    expect(merged.ops[0]).toMatchObject({ kind: 'dense', inFeatures: 3, outFeatures: 2 })
    expectSameFunction(wide, merged, 3)
    // 20·2 + 2·20 = 80 weights as factors, 20·20 = 400 multiplied out: keep them apart.
    const bottleneck = chain([dense('d1', 'x', 'h', 20, 2), dense('d2', 'h', 'y', 2, 20)], 20, 20)
    expect(foldAffine(bottleneck).ops).toHaveLength(2)
  })

  it('keeps an affine between relus, and does not fold across a tensor with two consumers', () => {
    const model = chain([{ kind: 'relu', name: 'r1', input: 'x', output: 'a' }, affine('s', 'a', 'b', 3), { kind: 'relu', name: 'r2', input: 'b', output: 'y' }], 3, 3)
    expect(foldAffine(model).ops.map((op) => op.kind)).toEqual(['relu', 'affine', 'relu'])
    const shared = chain([affine('s', 'x', 'a', 3), dense('d1', 'a', 'y', 3, 3), dense('d2', 'a', 'z', 3, 3)], 3, 3)
    expect(foldAffine(shared).ops.map((op) => op.kind)).toEqual(['affine', 'dense', 'dense'])
  })
})
