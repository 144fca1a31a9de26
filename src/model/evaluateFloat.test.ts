import { describe, expect, it } from 'vitest'
import { InputError } from '../errors.js'
import { applyOp } from './applyOp.js'
import { evaluateFloat } from './evaluateFloat.js'
import type { ModelIR, Op } from './ir.js'

const model: ModelIR = {
  name: 'tiny',
  producer: 'test',
  opsetVersion: 13,
  input: { name: 'x', shape: [1, 2] },
  output: { name: 'y', shape: [1, 2] },
  tensors: { x: [1, 2], h: [1, 3], r: [1, 3], y: [1, 2] },
  ops: [
    // h = [[1, 2], [-1, 0], [0, 1]]·x + [0, 1, -1]
    { kind: 'dense', name: 'fc', input: 'x', output: 'h', inFeatures: 2, outFeatures: 3, weight: Float64Array.of(1, 2, -1, 0, 0, 1), bias: Float64Array.of(0, 1, -1) },
    { kind: 'relu', name: 'relu', input: 'h', output: 'r' },
    { kind: 'dense', name: 'out', input: 'r', output: 's', inFeatures: 3, outFeatures: 2, weight: Float64Array.of(1, 1, 1, 0, 1, 0), bias: Float64Array.of(0, 0) },
    { kind: 'affine', name: 'scale', input: 's', output: 'y', scale: Float64Array.of(2, -1), shift: Float64Array.of(0.5, 0) },
  ],
}

describe('evaluateFloat', () => {
  it('runs the op chain', () => {
    // h = [5, 0, 1], relu = [5, 0, 1], s = [6, 0], y = [12.5, 0]
    const { output, tensors } = evaluateFloat(model, [1, 2])
    expect(Array.from(output)).toEqual([12.5, 0])
    expect(tensors).toBeUndefined()
  })

  it('returns every intermediate tensor with trace', () => {
    const { tensors } = evaluateFloat(model, Float64Array.of(-1, 0.5), { trace: true })
    expect([...tensors!.keys()]).toEqual(['x', 'h', 'r', 's', 'y'])
    expect(Array.from(tensors!.get('h')!)).toEqual([0, 2, -0.5])
    expect(Array.from(tensors!.get('r')!)).toEqual([0, 2, 0])
  })

  it('refuses an input of the wrong length, naming the expected shape', () => {
    expect(() => evaluateFloat(model, [1, 2, 3])).toThrow(InputError)
    expect(() => evaluateFloat(model, [1, 2, 3])).toThrow(/3 values; model "tiny" expects 2[\s\S]*shape \[1, 2\]/)
  })

  it('refuses non-finite values', () => {
    expect(() => evaluateFloat(model, [1, Number.NaN])).toThrow(/Input value 1 is NaN/)
  })

  it('computes conv windows with zero padding and groups by hand', () => {
    // x = one 3×3 channel 1..9, plus a second channel of ones; pads [1, 1, 0, 0], 2×2 kernel, stride 2.
    const x = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    const conv: Op = { kind: 'conv', name: 'c', input: 'x', output: 'y', inShape: [2, 3, 3], outShape: [2, 2, 2], kernel: [2, 2], stride: [2, 2], pads: [1, 1, 0, 0], group: 2, weight: Float64Array.of(1, 1, 1, 1, 1, 0, 0, 0), bias: Float64Array.of(0, 0.5) }
    // Group 0 sums each window of channel 0; group 1 takes each window's top-left of channel 1 (0 in the padding).
    expect(Array.from(applyOp(conv, [x]))).toEqual([1, 5, 11, 28, 0.5, 0.5, 0.5, 1.5])
  })

  it('never selects maxpool padding, pads with zeros, permutes and concatenates by index maps', () => {
    const x = Float64Array.of(-1, -2, -3, -4)
    const maxpool: Op = { kind: 'maxpool', name: 'm', input: 'x', output: 'y', inShape: [1, 2, 2], outShape: [1, 2, 2], kernel: [2, 2], stride: [1, 1], pads: [1, 1, 0, 0] }
    expect(Array.from(applyOp(maxpool, [x]))).toEqual([-1, -1, -1, -1])
    const pad: Op = { kind: 'pad', name: 'p', input: 'x', output: 'y', inShape: [1, 2, 2], outShape: [1, 3, 3], pads: [0, 1, 1, 0] }
    expect(Array.from(applyOp(pad, [x]))).toEqual([0, -1, -2, 0, -3, -4, 0, 0, 0])
    const permute: Op = { kind: 'permute', name: 't', input: 'x', output: 'y', source: Int32Array.of(0, 2, 1, 3) }
    expect(Array.from(applyOp(permute, [x]))).toEqual([-1, -3, -2, -4])
    const concat: Op = { kind: 'concat', name: 'c', inputs: ['x', 'z'], output: 'y', source: Int32Array.of(1, 0, 0, 3) }
    expect(Array.from(applyOp(concat, [x, Float64Array.of(7)]))).toEqual([7, -4])
    const clip: Op = { kind: 'clip', name: 'c', input: 'x', output: 'y', min: -3.5, max: -1.5 }
    expect(Array.from(applyOp(clip, [x]))).toEqual([-1.5, -2, -3, -3.5])
    expect(Array.from(applyOp({ kind: 'leakyrelu', name: 'l', input: 'x', output: 'y', alpha: 0.5 }, [Float64Array.of(-2, 3)]))).toEqual([-1, 3])
  })

  it('refuses an input that does not fit the op (an inconsistent IR)', () => {
    const conv: Op = { kind: 'conv', name: 'c', input: 'x', output: 'y', inShape: [1, 2, 2], outShape: [1, 1, 1], kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], group: 1, weight: new Float64Array(4), bias: new Float64Array(1) }
    expect(() => applyOp(conv, [new Float64Array(3)])).toThrow(/IR conv op "c" expects 4 inputs, got 3/)
  })
})
