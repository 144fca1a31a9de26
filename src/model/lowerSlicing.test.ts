import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'
import type { PermuteOp } from './ir.js'

const ints = (name: string, values: number[], dims = [values.length]) => tensor(name, dims, values, { type: 'int64' })

describe('Slice / Gather / Split on computed tensors', () => {
  it('Slice with negative steps, clamped ends and axes is a permute (a gather) matching onnxruntime', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 3, 4, 5] },
      output: { name: 'y' },
      initializers: [ints('starts', [-1, 1, 0]), ints('ends', [-100, 1000, 5]), ints('axes', [1, 2, 3]), ints('steps', [-2, 2, 2])],
      nodes: [node('Relu', ['x'], ['r']), node('Slice', ['r', 'starts', 'ends', 'axes', 'steps'], ['y'], { name: 'cut' })],
    })
    const ir = await expectParity(model, { name: 'slice-dynamic' })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'permute'])
    expect(ir.tensors['y']).toEqual([1, 2, 2, 3])
  })

  it('Gather with constant (negative, repeated, multi-dim) indices on any axis', async () => {
    for (const axis of [1, 2, -1]) {
      const model = buildModel({
        input: { name: 'x', shape: [1, 3, 4] },
        output: { name: 'y' },
        initializers: [ints('idx', [0, -1, 0, 2], [2, 2])],
        nodes: [node('Tanh', ['x'], ['t']), node('Gather', ['t', 'idx'], ['y'], { attributes: [attr.int('axis', axis)] })],
      })
      const ir = await expectParity(model, { name: `gather-${axis}` })
      expect(ir.ops.map((op) => op.kind)).toEqual(['tanh', 'permute'])
    }
    // A scalar index drops the axis (a token picked from a sequence).
    const pick = buildModel({
      input: { name: 'x', shape: [1, 3, 4] },
      output: { name: 'y' },
      initializers: [ints('i', [1], [])],
      nodes: [node('Relu', ['x'], ['r']), node('Gather', ['r', 'i'], ['y'], { attributes: [attr.int('axis', 1)] })],
    })
    const ir = await expectParity(pick, { name: 'gather-scalar' })
    expect(ir.tensors['y']).toEqual([1, 4])
    expect(Array.from((ir.ops[1] as PermuteOp).source)).toEqual([4, 5, 6, 7])
  })

  it('Split into given sizes (opset 13 input) and equal parts (opset 18 num_outputs), every part used', async () => {
    const sized = buildModel({
      input: { name: 'x', shape: [1, 5, 2] },
      output: { name: 'y' },
      initializers: [ints('sizes', [2, 3])],
      nodes: [
        node('Split', ['x', 'sizes'], ['p', 'q'], { attributes: [attr.int('axis', 1)] }),
        node('ReduceSum', ['q'], ['qs'], { attributes: [attr.int('keepdims', 1)] }),
        node('Mul', ['p', 'qs'], ['y']),
      ],
    })
    const ir = await expectParity(sized, { name: 'split-sized' })
    expect(ir.ops.map((op) => op.kind)).toEqual(['permute', 'permute', 'dense', 'binary'])
    const equal = buildModel({
      opset: 18,
      input: { name: 'x', shape: [1, 2, 5] },
      output: { name: 'y' },
      nodes: [node('Split', ['x'], ['a', 'b', 'c'], { attributes: [attr.int('axis', -1), attr.int('num_outputs', 3)] }), node('Concat', ['c', 'a', 'b'], ['y'], { attributes: [attr.int('axis', 2)] })],
    })
    const ir18 = await expectParity(equal, { name: 'split-18' })
    expect(ir18.tensors['y']).toEqual([1, 2, 5])
  })

  it('refuses computed indices and split sizes that do not add up, naming the node', () => {
    const computed = buildModel({ input: { name: 'x', shape: [1, 3] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('Gather', ['x', 'r'], ['y'], { name: 'lookup' })] })
    expect(() => importOnnx(computed)).toThrow(/Gather node "lookup".*indices.*computed from the model input/)
    const sizes = buildModel({ input: { name: 'x', shape: [1, 4] }, output: { name: 'y' }, initializers: [ints('s', [1, 2])], nodes: [node('Split', ['x', 's'], ['y', 'z'], { name: 'halves', attributes: [attr.int('axis', 1)] })] })
    expect(() => importOnnx(sizes)).toThrow(/Split node "halves".*\[1, 2\] do not add up to 4/)
  })
})
