import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'
import type { BinaryOp } from './ir.js'

const axes = (name: string, values: number[]) => tensor(name, [values.length], values, { type: 'int64' })

describe('Add/Sub/Mul of two computed tensors', () => {
  it.each(['Add', 'Sub', 'Mul'])('%s of two branches of the same shape matches onnxruntime (a residual connection)', async (opType) => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 3, 4] },
      output: { name: 'y' },
      nodes: [node('Relu', ['x'], ['a']), node('Tanh', ['x'], ['b']), node(opType, ['a', 'b'], ['y'], { name: 'join' })],
    })
    const ir = await expectParity(model, { name: `binary-${opType}` })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'tanh', 'binary'])
    expect(ir.ops[2]).toMatchObject({ op: opType.toLowerCase(), inputs: ['a', 'b'], outShape: [1, 2, 3, 4] })
  })

  it('broadcasts both ways (numpy rules), and x ∘ x reads one tensor twice', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 3, 4] },
      output: { name: 'y' },
      initializers: [axes('a1', [1]), axes('a3', [3])],
      nodes: [
        node('ReduceSum', ['x', 'a1'], ['s1']), // [1, 1, 3, 4]
        node('ReduceSum', ['x', 'a3'], ['s3']), // [1, 2, 3, 1]
        node('Sub', ['s3', 's1'], ['d']), // [1, 2, 3, 4], each side broadcast
        node('Mul', ['d', 'd'], ['y']),
      ],
    })
    const ir = await expectParity(model, { name: 'binary-broadcast' })
    const sub = ir.ops.find((op) => op.kind === 'binary' && op.op === 'sub') as BinaryOp
    expect(sub).toMatchObject({ aShape: [1, 2, 3, 1], bShape: [1, 1, 3, 4], outShape: [1, 2, 3, 4] })
    expect(ir.ops.at(-1)).toMatchObject({ kind: 'binary', op: 'mul', inputs: ['d', 'd'] })
  })

  it('keeps arithmetic with a constant an affine op', () => {
    const model = buildModel({ input: { name: 'x', shape: [1, 3] }, output: { name: 'y' }, initializers: [tensor('c', [3], [1, 2, 3])], nodes: [node('Relu', ['x'], ['r']), node('Add', ['r', 'c'], ['y'])] })
    expect(importOnnx(model).ops.map((op) => op.kind)).toEqual(['relu', 'affine'])
  })

  it('refuses shapes that do not broadcast, and Div of two computed tensors, naming the node', () => {
    const mismatched = buildModel({
      input: { name: 'x', shape: [1, 2, 3] },
      output: { name: 'y' },
      nodes: [node('Transpose', ['x'], ['t'], { attributes: [attr.ints('perm', [0, 2, 1])] }), node('Add', ['x', 't'], ['y'], { name: 'bad-add' })],
    })
    expect(() => importOnnx(mismatched)).toThrow(/Add node "bad-add".*\[1, 2, 3\] and \[1, 3, 2\] do not broadcast/)
    const div = buildModel({ input: { name: 'x', shape: [1, 3] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('Div', ['x', 'r'], ['y'], { name: 'ratio' })] })
    expect(() => importOnnx(div)).toThrow(/Div node "ratio"/)
  })
})
