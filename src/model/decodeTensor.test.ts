import { describe, expect, it } from 'vitest'
import onnxProto from 'onnx-proto'
import { ModelImportError } from '../errors.js'
import { tensor } from '../../test/support/buildOnnx.js'
import { decodeTensor } from './decodeTensor.js'

const { onnx } = onnxProto

/** Round-trips through protobuf so int64 fields arrive as protobufjs Longs, as from a file. */
function roundTrip(t: onnxProto.onnx.TensorProto): onnxProto.onnx.TensorProto {
  return onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish())
}

describe('decodeTensor', () => {
  it.each([
    ['float', 'raw'],
    ['float', 'typed'],
    ['double', 'raw'],
    ['double', 'typed'],
    ['int64', 'raw'],
    ['int64', 'typed'],
  ] as const)('reads %s from %s data', (type, encoding) => {
    const values = type === 'int64' ? [3, -1, 0, 7, 2 ** 40, -5] : [0.5, -1.25, 3, 1e-3, 2.5e6, -7]
    const { dims, data } = decodeTensor(roundTrip(tensor('t', [2, 3], values, { type, encoding })), 'test tensor')
    expect(dims).toEqual([2, 3])
    expect(Array.from(data)).toEqual(type === 'float' ? values.map(Math.fround) : values)
  })

  it('honours the byte offset of raw data that is a view into a larger buffer', () => {
    const t = tensor('t', [2], [1.5, -2])
    const padded = new Uint8Array(t.rawData.length + 3)
    padded.set(t.rawData, 3)
    t.rawData = padded.subarray(3)
    expect(Array.from(decodeTensor(t, 'x').data)).toEqual([1.5, -2])
  })

  it('refuses a length that does not match the dims, and unsupported element types', () => {
    expect(() => decodeTensor(tensor('t', [3], [1, 2]), 'initializer "t"')).toThrow(/initializer "t" has 2 values but its dims \[3\] need 3/)
    const half = onnx.TensorProto.create({ name: 'h', dims: [1], dataType: onnx.TensorProto.DataType.FLOAT16, rawData: new Uint8Array(2) })
    expect(() => decodeTensor(half, 'initializer "h"')).toThrow(ModelImportError)
    expect(() => decodeTensor(half, 'initializer "h"')).toThrow(/FLOAT16/)
  })
})
