import { describe, expect, it } from 'vitest'
import onnxProto from 'onnx-proto'
import { ModelImportError } from '../errors.js'
import { buildModel, encodeModel, seededRandom, writeTemp } from '../../test/support/buildOnnx.js'
import { standardizedMlpFixture } from '../../test/support/onnxFixtures.js'
import { decodeOnnx, loadOnnx } from './loadOnnx.js'

const valid = encodeModel(standardizedMlpFixture().model)
const random = seededRandom(7)

async function importError(path: string): Promise<ModelImportError> {
  const error = await loadOnnx(path).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ModelImportError)
  return error as ModelImportError
}

describe('loadOnnx', () => {
  it('loads a valid model', async () => {
    const model = await loadOnnx(writeTemp('valid.onnx', valid))
    expect(model.graph?.node).toHaveLength(5)
  })

  it.each([
    ['truncated.onnx', valid.subarray(0, Math.floor(valid.length / 2))],
    ['empty.onnx', new Uint8Array()],
    ['model.json.onnx', JSON.stringify({ layers: [{ type: 'dense', units: 8 }] })],
    ['random.onnx', Uint8Array.from({ length: 512 }, () => Math.floor(random(0, 256)))],
  ])('refuses %s as not a valid ONNX model, naming the file and what to do', async (fileName, bytes) => {
    const error = await importError(writeTemp(fileName, bytes))
    expect(error.message).toContain(`"${fileName}" is not a valid ONNX model`)
    expect(error.details).toMatch(/re-export/)
  })

  it('says the file is missing', async () => {
    const error = await importError('/nonexistent/model.onnx')
    expect(error.message).toContain('does not exist')
  })

  it('refuses a model without a graph or without nodes', () => {
    const { onnx } = onnxProto
    const noGraph = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }] })).finish()
    expect(() => decodeOnnx(noGraph, { fileName: 'g.onnx' })).toThrow(/"g.onnx" is not a valid ONNX model: it has no graph/)
    const noNodes = encodeModel(buildModel({ input: { name: 'x', shape: [1] }, output: { name: 'x' }, nodes: [] }))
    expect(() => decodeOnnx(noNodes, { fileName: 'n.onnx' })).toThrow(/"n.onnx" has a graph without nodes/)
  })

  it('refuses a protobuf message that lacks ir_version or opset', () => {
    const { onnx } = onnxProto
    const noOpset = onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, graph: { node: [{ opType: 'Relu' }] } })).finish()
    expect(() => decodeOnnx(noOpset, { fileName: 'o.onnx' })).toThrow(/no operator set/)
    const noIr = onnx.ModelProto.encode(onnx.ModelProto.create({ producerName: 'x' })).finish()
    expect(() => decodeOnnx(noIr, { fileName: 'i.onnx' })).toThrow(/no ir_version/)
  })
})
