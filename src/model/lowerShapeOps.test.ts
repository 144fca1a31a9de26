import { describe, expect, it } from 'vitest'
import { attr, buildModel, constant, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { evaluateFloat } from './evaluateFloat.js'
import { importOnnx } from './importOnnx.js'
import type { ConcatOp, PermuteOp } from './ir.js'

describe('Transpose', () => {
  it('is a view when it moves only size-1 dims, else a permute', async () => {
    const model = (perm: number[], shape: number[]) => buildModel({ input: { name: 'x', shape }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('Transpose', ['r'], ['y'], { attributes: [attr.ints('perm', perm)] })] })
    expect(importOnnx(model([0, 2, 3, 1], [1, 1, 3, 4])).ops.map((op) => op.kind)).toEqual(['relu'])
    const ir = await expectParity(model([0, 3, 1, 2], [1, 2, 3, 4]), { name: 'transpose-permute' })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'permute'])
    expect(ir.tensors['y']).toEqual([1, 4, 2, 3])
    // Default perm reverses the axes.
    const reversed = buildModel({ input: { name: 'x', shape: [1, 2, 3] }, output: { name: 'y' }, nodes: [node('Transpose', ['x'], ['y'])] })
    expect(Array.from((importOnnx(reversed).ops[0] as PermuteOp).source)).toEqual([0, 3, 1, 4, 2, 5])
  })
})

describe('Concat', () => {
  it('joins computed branches into a DAG, in topological order, and traces every tensor', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 2, 2] },
      output: { name: 'y' },
      initializers: [tensor('two', [], [2])],
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Mul', ['x', 'two'], ['b']),
        node('Sigmoid', ['x'], ['unused']),
        node('Concat', ['a', 'b', 'a'], ['c'], { name: 'cat', attributes: [attr.int('axis', 2)] }),
        node('Tanh', ['c'], ['y']),
      ],
    })
    const ir = await expectParity(model, { name: 'concat-branches' })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'affine', 'concat', 'tanh'])
    const cat = ir.ops[2] as ConcatOp
    expect(cat.inputs).toEqual(['a', 'b', 'a'])
    expect(ir.tensors['c']).toEqual([1, 2, 6, 2])
    // Channel 0: rows of a, b, a; then channel 1.
    expect(Array.from(cat.source.subarray(0, 12))).toEqual([0, 0, 0, 1, 0, 2, 0, 3, 1, 0, 1, 1])
    const { tensors } = evaluateFloat(ir, [1, -1, 2, -2, 3, -3, 4, -4], { trace: true })
    expect([...tensors!.keys()]).toEqual(['x', 'a', 'b', 'c', 'y'])
    expect(Array.from(tensors!.get('c')!.subarray(0, 12))).toEqual([1, 0, 2, 0, 2, -2, 4, -4, 1, 0, 2, 0])
  })

  it('refuses a Concat of a computed tensor with a constant, naming the node', () => {
    const model = buildModel({ input: { name: 'x', shape: [1, 3] }, output: { name: 'y' }, initializers: [tensor('k', [1, 2], [1, 2])], nodes: [node('Concat', ['x', 'k'], ['y'], { name: 'with-const', attributes: [attr.int('axis', 1)] })] })
    expect(() => importOnnx(model)).toThrow(/Concat node "with-const".*joins computed tensors with the constant input 1 \("k"\)/)
  })
})

describe('constant shape arithmetic', () => {
  it('evaluates PyTorch F.pad arithmetic: ConstantOfShape → Concat → Reshape → Slice(step −1) → Transpose → Reshape → Cast → Pad', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 1, 2, 3] },
      output: { name: 'y' },
      nodes: [
        constant('n', [1], [4], { type: 'int64' }),
        constant('given', [4], [0, 1, 0, 1], { type: 'int64' }),
        node('ConstantOfShape', ['n'], ['zeros'], { attributes: [attr.tensor('value', tensor('', [1], [0], { type: 'int64' }))] }),
        node('Concat', ['given', 'zeros'], ['all'], { attributes: [attr.int('axis', 0)] }),
        constant('pairs', [2], [-1, 2], { type: 'int64' }),
        node('Reshape', ['all', 'pairs'], ['r']),
        constant('starts', [1], [-1], { type: 'int64' }),
        constant('ends', [1], [-9223372036854775807], { type: 'int64' }),
        constant('axes', [1], [0], { type: 'int64' }),
        constant('steps', [1], [-1], { type: 'int64' }),
        node('Slice', ['r', 'starts', 'ends', 'axes', 'steps'], ['flipped']),
        node('Transpose', ['flipped'], ['t'], { attributes: [attr.ints('perm', [1, 0])] }),
        constant('flat', [1], [-1], { type: 'int64' }),
        node('Reshape', ['t', 'flat'], ['pads']),
        node('Cast', ['pads'], ['pads64'], { attributes: [attr.int('to', 7)] }),
        node('Pad', ['x', 'pads64', ''], ['y'], { attributes: [attr.string('mode', 'constant')] }),
      ],
    })
    const ir = await expectParity(model, { name: 'pytorch-fpad' })
    // F.pad(x, (0, 1, 0, 1)): right and bottom by 1.
    expect(ir.ops).toMatchObject([{ kind: 'pad', pads: [0, 0, 1, 1] }])
  })

  it('slices a computed tensor into a permute (lowerSlicing.ts)', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 4] },
      output: { name: 'y' },
      initializers: [tensor('s', [1], [0], { type: 'int64' }), tensor('e', [1], [2], { type: 'int64' }), tensor('a', [1], [1], { type: 'int64' })],
      nodes: [node('Slice', ['x', 's', 'e', 'a'], ['y'], { name: 'take2' })],
    })
    expect(importOnnx(model).ops).toMatchObject([{ kind: 'permute', source: Int32Array.of(0, 1) }])
  })
})
