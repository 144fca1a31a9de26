/**
 * Builds small ONNX models in TypeScript (no Python) for tests: tensors,
 * nodes with attributes, a graph with one input and one output, written to a
 * temporary directory so onnxruntime-node can load them too.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { makeTempDir } from './tempDirs.js'

const { onnx } = onnxProto
const { DataType } = onnx.TensorProto
const { AttributeType } = onnx.AttributeProto

export type ElementType = 'float' | 'double' | 'int64'
/** `raw`: little-endian raw_data; `typed`: float_data / double_data / int64_data. */
export type Encoding = 'raw' | 'typed'

/** A constant tensor (an initializer, or a Constant node's value). */
export function tensor(name: string, dims: number[], values: ArrayLike<number>, { type = 'float', encoding = 'raw' }: { type?: ElementType; encoding?: Encoding } = {}): onnxProto.onnx.TensorProto {
  const data = Array.from(values)
  const dataType = type === 'float' ? DataType.FLOAT : type === 'double' ? DataType.DOUBLE : DataType.INT64
  const base = { name, dims, dataType }
  if (encoding === 'typed') {
    if (type === 'float') return onnx.TensorProto.create({ ...base, floatData: data })
    if (type === 'double') return onnx.TensorProto.create({ ...base, doubleData: data })
    return onnx.TensorProto.create({ ...base, int64Data: data })
  }
  const bytes = new Uint8Array(data.length * (type === 'float' ? 4 : 8))
  const view = new DataView(bytes.buffer)
  data.forEach((v, i) => {
    if (type === 'float') view.setFloat32(i * 4, v, true)
    else if (type === 'double') view.setFloat64(i * 8, v, true)
    else view.setBigInt64(i * 8, BigInt(v), true)
  })
  return onnx.TensorProto.create({ ...base, rawData: bytes })
}

/** Attribute constructors, one per ONNX attribute type used in tests. */
export const attr = {
  int: (name: string, i: number) => onnx.AttributeProto.create({ name, type: AttributeType.INT, i }),
  float: (name: string, f: number) => onnx.AttributeProto.create({ name, type: AttributeType.FLOAT, f }),
  ints: (name: string, ints: number[]) => onnx.AttributeProto.create({ name, type: AttributeType.INTS, ints }),
  floats: (name: string, floats: number[]) => onnx.AttributeProto.create({ name, type: AttributeType.FLOATS, floats }),
  tensor: (name: string, t: onnxProto.onnx.TensorProto) => onnx.AttributeProto.create({ name, type: AttributeType.TENSOR, t }),
  string: (name: string, s: string) => onnx.AttributeProto.create({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) }),
}

export function node(opType: string, inputs: string[], outputs: string[], { name = '', attributes = [] as onnxProto.onnx.AttributeProto[] } = {}): onnxProto.onnx.NodeProto {
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, name, attribute: attributes })
}

/** A Constant node (PyTorch exports small tensors this way instead of as initializers). */
export function constant(output: string, dims: number[], values: ArrayLike<number>, options: { type?: ElementType; encoding?: Encoding } = {}): onnxProto.onnx.NodeProto {
  return node('Constant', [], [output], { attributes: [attr.tensor('value', tensor('', dims, values, options))] })
}

/** A dimension: a number, or a string for a symbolic (dynamic) dim. */
export type Dim = number | string

export type ModelSpec = {
  input: { name: string; shape: Dim[] }
  output: { name: string; shape?: Dim[] }
  initializers?: onnxProto.onnx.TensorProto[]
  nodes: onnxProto.onnx.NodeProto[]
  /** Extra graph inputs, e.g. to test that several inputs are refused. */
  extraInputs?: { name: string; shape: Dim[] }[]
  opset?: number
}

function valueInfo(name: string, shape: Dim[] | undefined): onnxProto.onnx.ValueInfoProto {
  const dim = shape?.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }))
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: DataType.FLOAT, ...(dim ? { shape: { dim } } : {}) } },
  })
}

export function buildModel({ input, output, initializers = [], nodes, extraInputs = [], opset = 13 }: ModelSpec): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'glassbox-tests',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'test',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(input.name, input.shape), ...extraInputs.map((i) => valueInfo(i.name, i.shape))],
      output: [valueInfo(output.name, output.shape)],
    },
  })
}

export function encodeModel(model: onnxProto.onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish()
}

let dir: string | undefined

/** Writes bytes (an encoded model, or anything else) to a fresh temp dir shared by the test file; returns the path. */
export function writeTemp(fileName: string, bytes: Uint8Array | string): string {
  dir ??= makeTempDir('glassbox-onnx-')
  const path = join(dir, fileName)
  writeFileSync(path, bytes)
  return path
}

/** Encodes and writes a model; returns its path. */
export function writeModel(model: onnxProto.onnx.ModelProto, fileName: string): string {
  return writeTemp(fileName, encodeModel(model))
}

/** Deterministic uniform values in [lo, hi) (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return lo + (hi - lo) * u
  }
}

export function randomArray(random: (lo?: number, hi?: number) => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => random(lo, hi))
}
