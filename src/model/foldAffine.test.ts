import { describe, expect, it } from 'vitest'
import { randomArray, seededRandom } from '../../test/support/buildOnnx.js'
import { evaluateFloat } from './evaluateFloat.js'
import { foldAffine } from './foldAffine.js'
import { opInputs, type AffineOp, type Chw, type ConvOp, type DenseOp, type ModelIR, type Op, type PadOp } from './ir.js'

const random = seededRandom(3)
const values = (n: number) => Float64Array.from(randomArray(random, n))

function dense(name: string, input: string, output: string, inFeatures: number, outFeatures: number): DenseOp {
  return { kind: 'dense', name, input, output, inFeatures, outFeatures, weight: values(inFeatures * outFeatures), bias: values(outFeatures) }
}
function affine(name: string, input: string, output: string, n: number): AffineOp {
  return { kind: 'affine', name, input, output, scale: values(n), shift: values(n) }
}

function conv(name: string, input: string, output: string, inShape: Chw, outChannels: number, { group = 1, pads = [0, 0, 0, 0] as [number, number, number, number], kernel = [2, 2] as [number, number] } = {}): ConvOp {
  const [c, h, w] = inShape
  const outShape: Chw = [outChannels, h + pads[0] + pads[2] - kernel[0] + 1, w + pads[1] + pads[3] - kernel[1] + 1]
  return { kind: 'conv', name, input, output, inShape, outShape, kernel, stride: [1, 1], pads, group, weight: values((outChannels * c * kernel[0] * kernel[1]) / group), bias: values(outChannels) }
}
/** An affine with one random (scale, shift) per channel of a [channels][plane] tensor; `zeroShift` for scale only. */
function channelAffine(name: string, input: string, output: string, channels: number, plane: number, zeroShift = false): AffineOp {
  const a = values(channels)
  const c = values(channels)
  return { kind: 'affine', name, input, output, scale: Float64Array.from({ length: channels * plane }, (_, i) => a[Math.floor(i / plane)]!), shift: Float64Array.from({ length: channels * plane }, (_, i) => (zeroShift ? 0 : c[Math.floor(i / plane)]!)) }
}

function chain(ops: Op[], inSize: number, outSize: number): ModelIR {
  const tensors: Record<string, number[]> = {}
  for (const op of ops) for (const t of [...opInputs(op), op.output]) tensors[t] = []
  return { name: 't', producer: '', opsetVersion: 13, input: { name: opInputs(ops[0]!)[0]!, shape: [1, inSize] }, output: { name: ops.at(-1)!.output, shape: [1, outSize] }, tensors, ops }
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
    expect(folded.ops.map((op) => `${op.kind}:${opInputs(op).join(',')}->${op.output}`)).toEqual(['dense:x->t4', 'relu:t4->y'])
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

  it('folds a per-channel affine (BatchNorm) after a conv into its filters, not a per-position one', () => {
    const c1 = conv('c', 'x', 'h', [2, 4, 4], 3, { pads: [1, 0, 1, 1] })
    const plane = c1.outShape[1] * c1.outShape[2]
    const model = chain([c1, channelAffine('bn', 'h', 'y', 3, plane)], 2 * 16, 3 * plane)
    const folded = foldAffine(model)
    expect(folded.ops.map((op) => `${op.kind}:${opInputs(op).join(',')}->${op.output}`)).toEqual(['conv:x->y'])
    expectSameFunction(model, folded, 32)
    const perPosition = chain([c1, affine('a', 'h', 'y', 3 * plane)], 32, 3 * plane)
    expect(foldAffine(perPosition).ops.map((op) => op.kind)).toEqual(['conv', 'affine'])
  })

  it('folds a per-channel affine before a conv when the conv reads no padding, or the affine has no shift', () => {
    for (const group of [1, 2]) {
      const unpadded = chain([channelAffine('a', 'x', 'h', 4, 9), conv('c', 'h', 'y', [4, 3, 3], 2, { group })], 36, 8)
      const folded = foldAffine(unpadded)
      expect(folded.ops.map((op) => op.kind)).toEqual(['conv'])
      expectSameFunction(unpadded, folded, 36)
    }
    const padded = chain([channelAffine('a', 'x', 'h', 2, 9), conv('c', 'h', 'y', [2, 3, 3], 2, { pads: [1, 1, 0, 0] })], 18, 18)
    expect(foldAffine(padded).ops.map((op) => op.kind)).toEqual(['affine', 'conv'])
    const scaleOnly = chain([channelAffine('a', 'x', 'h', 2, 9, true), conv('c', 'h', 'y', [2, 3, 3], 2, { pads: [1, 1, 0, 0] })], 18, 18)
    const foldedScale = foldAffine(scaleOnly)
    expect(foldedScale.ops.map((op) => op.kind)).toEqual(['conv'])
    expectSameFunction(scaleOnly, foldedScale, 18)
  })

  it('adds the pads of pad → pad → conv into the conv', () => {
    const p1: PadOp = { kind: 'pad', name: 'p1', input: 'x', output: 'a', inShape: [1, 3, 3], outShape: [1, 4, 5], pads: [1, 0, 0, 2] }
    const p2: PadOp = { kind: 'pad', name: 'p2', input: 'a', output: 'b', inShape: [1, 4, 5], outShape: [1, 5, 5], pads: [0, 0, 1, 0] }
    const model = chain([p1, p2, conv('c', 'b', 'y', [1, 5, 5], 2, { pads: [1, 1, 1, 1] })], 9, 2 * 25)
    const folded = foldAffine(model)
    expect(folded.ops).toHaveLength(1)
    expect(folded.ops[0]).toMatchObject({ kind: 'conv', input: 'x', inShape: [1, 3, 3], pads: [2, 1, 2, 3] })
    expectSameFunction(model, folded, 9)
  })

  it('merges relu and clip neighbours into one clamp, and never folds through a concat', () => {
    const model = chain([{ kind: 'relu', name: 'r', input: 'x', output: 'a' }, { kind: 'clip', name: 'c', input: 'a', output: 'b', min: -1, max: 6 }, { kind: 'relu', name: 'r2', input: 'b', output: 'y' }], 4, 4)
    const folded = foldAffine(model)
    expect(folded.ops).toMatchObject([{ kind: 'clip', min: 0, max: 6, input: 'x', output: 'y' }])
    const joined: ModelIR = {
      ...chain([affine('s', 'x', 'a', 3), { kind: 'relu', name: 'r', input: 'x', output: 'b' }], 3, 3),
      output: { name: 'y', shape: [1, 6] },
    }
    joined.ops.push({ kind: 'concat', name: 'cat', inputs: ['a', 'b'], output: 'c', source: Int32Array.of(0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2) }, affine('after', 'c', 'y', 6))
    expect(foldAffine(joined).ops.map((op) => op.kind)).toEqual(['affine', 'relu', 'concat', 'affine'])
  })
})
