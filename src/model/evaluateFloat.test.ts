import { describe, expect, it } from 'vitest'
import { InputError } from '../errors.js'
import { evaluateFloat } from './evaluateFloat.js'
import type { ModelIR } from './ir.js'

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
})
