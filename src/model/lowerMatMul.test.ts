import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'
import type { DenseOp } from './ir.js'

const axes = (name: string, values: number[]) => tensor(name, [values.length], values, { type: 'int64' })
const transpose = (from: string, to: string, perm: number[]) => node('Transpose', [from], [to], { attributes: [attr.ints('perm', perm)] })

describe('MatMul of two computed tensors', () => {
  it('batched Q·Kᵀ then scores·V matches onnxruntime', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 3, 4] },
      output: { name: 'y' },
      nodes: [
        node('Relu', ['x'], ['q']),
        node('Tanh', ['x'], ['k']),
        transpose('k', 'kt', [0, 1, 3, 2]),
        node('MatMul', ['q', 'kt'], ['scores']), // [1, 2, 3, 3]
        node('MatMul', ['scores', 'x'], ['y']), // [1, 2, 3, 4]
      ],
    })
    const ir = await expectParity(model, { name: 'matmul-attention', tolerance: 1e-4 })
    expect(ir.ops.filter((op) => op.kind === 'matmul')).toMatchObject([
      { aBatch: [1, 2], bBatch: [1, 2], batch: [1, 2], m: 3, k: 4, n: 3 },
      { m: 3, k: 3, n: 4 },
    ])
    expect(ir.tensors['y']).toEqual([1, 2, 3, 4])
  })

  it('broadcasts the batch dims and promotes a 1-D operand as numpy does', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [2, 3, 4] },
      output: { name: 'y' },
      initializers: [axes('a01', [0, 1])],
      nodes: [
        transpose('x', 'xt', [0, 2, 1]), // [2, 4, 3]
        node('ReduceMean', ['xt'], ['b'], { attributes: [attr.ints('axes', [0])] }), // [1, 4, 3]: broadcast over the batch of 2
        node('MatMul', ['x', 'b'], ['p']), // [2, 3, 3]
        node('ReduceSum', ['x', 'a01'], ['v'], { attributes: [attr.int('keepdims', 0)] }), // [4]
        node('Tanh', ['p'], ['tp']),
        node('MatMul', ['x', 'v'], ['pv']), // [2, 3]: v is a column
        node('MatMul', ['pv', 'tp'], ['y']), // [2, 3]·[2, 3, 3] → [2, 2, 3]
      ],
    })
    const ir = await expectParity(model, { name: 'matmul-broadcast', tolerance: 1e-4 })
    expect(ir.ops.filter((op) => op.kind === 'matmul')).toMatchObject([
      { aBatch: [2], bBatch: [1], batch: [2], m: 3, k: 4, n: 3 },
      { aBatch: [2], bBatch: [], batch: [2], m: 3, k: 4, n: 1 },
      { aBatch: [], bBatch: [2], batch: [2], m: 2, k: 3, n: 3 },
    ])
    expect(ir.tensors['y']).toEqual([2, 2, 3])
  })

  it('a constant weight times several rows is one block-structured dense (one output per product)', async () => {
    const w = Array.from({ length: 20 }, (_, i) => Math.cos(i))
    const model = buildModel({
      input: { name: 'x', shape: [1, 3, 4] },
      output: { name: 'y' },
      initializers: [tensor('w', [4, 5], w), tensor('u', [2, 3], [1, -2, 0.5, 3, 0, -1])],
      nodes: [node('MatMul', ['x', 'w'], ['h']), node('Relu', ['h'], ['r']), node('MatMul', ['u', 'r'], ['y'])],
    })
    const ir = await expectParity(model, { name: 'matmul-rows', tolerance: 1e-4 })
    expect(ir.ops.map((op) => op.kind)).toEqual(['dense', 'relu', 'dense'])
    expect(ir.ops[0]).toMatchObject({ inFeatures: 12, outFeatures: 15 })
    // Row 1 of the output reads only row 1 of x.
    const first = ir.ops[0] as DenseOp
    expect(Array.from(first.weight.subarray(5 * 12, 5 * 12 + 12)).map((v) => v !== 0)).toEqual([false, false, false, false, true, true, true, true, false, false, false, false])
    expect(ir.tensors['y']).toEqual([1, 2, 5])
  })

  it.each([0, 1])('a Gemm of several computed rows (transA %i) is one block-structured dense', async (transA) => {
    const model = buildModel({
      input: { name: 'x', shape: [3, 4] },
      output: { name: 'y' },
      initializers: [tensor('w', [5, transA ? 3 : 4], Array.from({ length: transA ? 15 : 20 }, (_, i) => Math.cos(i))), tensor('c', [5], [1, 2, 3, 4, 5])],
      nodes: [node('Relu', ['x'], ['r']), node('Gemm', ['r', 'w', 'c'], ['y'], { attributes: [attr.int('transA', transA), attr.int('transB', 1), attr.float('alpha', 0.5)] })],
    })
    const ir = await expectParity(model, { name: `gemm-rows-${transA}`, tolerance: 1e-4 })
    expect(ir.ops).toMatchObject([{ kind: 'relu' }, { kind: 'dense', inFeatures: 12, outFeatures: transA ? 20 : 15 }])
  })

  it('refuses shapes that do not multiply, naming the node', () => {
    const model = buildModel({ input: { name: 'x', shape: [1, 2, 3] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('MatMul', ['x', 'r'], ['y'], { name: 'bad' })] })
    expect(() => importOnnx(model)).toThrow(/MatMul node "bad".*\[1, 2, 3\] and \[1, 2, 3\] cannot be multiplied/)
  })
})
