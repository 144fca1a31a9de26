import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'

const floats = (name: string, values: number[]) => tensor(name, [values.length], values)
const ints = (name: string, values: number[]) => tensor(name, [values.length], values, { type: 'int64' })

describe('Resize (nearest) on computed tensors', () => {
  it.each([
    ['asymmetric', 'floor'],
    ['half_pixel', 'round_prefer_floor'],
    ['align_corners', 'round_prefer_ceil'],
    ['pytorch_half_pixel', 'ceil'],
    ['tf_half_pixel_for_nn', 'round_prefer_floor'],
  ])('by scales, %s / %s, is a permute matching onnxruntime', async (transform, rounding) => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 3, 3] },
      output: { name: 'y' },
      initializers: [floats('scales', [1, 1, 2, 1.5])],
      nodes: [
        node('Relu', ['x'], ['r']),
        node('Resize', ['r', '', 'scales'], ['y'], { attributes: [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', transform), attr.string('nearest_mode', rounding)] }),
      ],
    })
    const ir = await expectParity(model, { name: `resize-${transform}-${rounding}` })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'permute'])
    expect(ir.tensors['y']).toEqual([1, 2, 6, 4])
  })

  it('by sizes, shrinking and growing', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 1, 4, 5] },
      output: { name: 'y' },
      initializers: [ints('sizes', [1, 1, 3, 8])],
      nodes: [node('Tanh', ['x'], ['t']), node('Resize', ['t', '', '', 'sizes'], ['y'], { attributes: [attr.string('mode', 'nearest')] })],
    })
    const ir = await expectParity(model, { name: 'resize-sizes' })
    expect(ir.tensors['y']).toEqual([1, 1, 3, 8])
  })

  it('Upsample (opset 9, deprecated since 10) nearest is a permute too', async () => {
    const model = buildModel({
      opset: 9,
      input: { name: 'x', shape: [1, 1, 2, 3] },
      output: { name: 'y' },
      initializers: [floats('scales', [1, 1, 2, 2])],
      nodes: [node('Relu', ['x'], ['r']), node('Upsample', ['r', 'scales'], ['y'], { attributes: [attr.string('mode', 'nearest')] })],
    })
    const ir = await expectParity(model, { name: 'upsample-9' })
    expect(ir.tensors['y']).toEqual([1, 1, 4, 6])
  })

  it('refuses linear interpolation, naming the node and what to do', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 1, 2, 2] },
      output: { name: 'y' },
      initializers: [floats('scales', [1, 1, 2, 2])],
      nodes: [node('Resize', ['x', '', 'scales'], ['y'], { name: 'up', attributes: [attr.string('mode', 'linear')] })],
    })
    expect(() => importOnnx(model)).toThrow(/Resize node "up".*mode is "linear"/)
  })
})
