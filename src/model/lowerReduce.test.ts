import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'

const axes = (name: string, values: number[]) => tensor(name, [values.length], values, { type: 'int64' })

describe('ReduceMean / ReduceSum', () => {
  it.each([
    { axes: [1], keepdims: 1, shape: [1, 1, 3, 4] },
    { axes: [-1, 2], keepdims: 0, shape: [1, 2] },
    { axes: undefined, keepdims: 1, shape: [1, 1, 1, 1] },
    { axes: [0, 3], keepdims: 0, shape: [2, 3] },
  ])('over axes $axes (keepdims $keepdims) is a dense with constant weights and matches onnxruntime', async ({ axes: over, keepdims, shape }) => {
    for (const opType of ['ReduceMean', 'ReduceSum']) {
      // Opset 13: ReduceMean takes axes as an attribute, ReduceSum as an input.
      const asInput = opType === 'ReduceSum' && over !== undefined
      const model = buildModel({
        input: { name: 'x', shape: [1, 2, 3, 4] },
        output: { name: 'y' },
        initializers: asInput ? [axes('axes', over)] : [],
        nodes: [
          node('Relu', ['x'], ['r']),
          node(opType, asInput ? ['r', 'axes'] : ['r'], ['y'], { attributes: [attr.int('keepdims', keepdims), ...(over && !asInput ? [attr.ints('axes', over)] : [])] }),
        ],
      })
      const ir = await expectParity(model, { name: `${opType}-${over?.join('_') ?? 'all'}-${keepdims}`, tolerance: 1e-5 })
      expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'dense'])
      expect(ir.tensors['y']).toEqual(shape)
    }
  })

  it('ReduceMean at opset 18 reads its axes from an input; noop_with_empty_axes keeps the tensor', async () => {
    const model = buildModel({
      opset: 18,
      input: { name: 'x', shape: [1, 2, 3] },
      output: { name: 'y' },
      initializers: [axes('axes', [2])],
      nodes: [node('Tanh', ['x'], ['t']), node('ReduceMean', ['t', 'axes'], ['m']), node('ReduceSum', ['m'], ['y'], { attributes: [attr.int('noop_with_empty_axes', 1)] })],
    })
    const ir = await expectParity(model, { name: 'reducemean-18' })
    expect(ir.tensors['y']).toEqual([1, 2, 1])
  })

  it('refuses an axis out of range, naming the node', () => {
    const model = buildModel({ input: { name: 'x', shape: [1, 2] }, output: { name: 'y' }, nodes: [node('ReduceMean', ['x'], ['y'], { name: 'avg', attributes: [attr.ints('axes', [4])] })] })
    expect(() => importOnnx(model)).toThrow(/ReduceMean node "avg".*axis 4 is out of range for rank 2/)
  })
})
