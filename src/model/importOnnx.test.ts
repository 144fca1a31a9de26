import { describe, expect, it } from 'vitest'
import { ModelImportError, UnsupportedOpError } from '../errors.js'
import { attr, buildModel, node, tensor } from '../../test/support/buildOnnx.js'
import { allFixtures, gemmFixture, reshapeFixture, standardizedMlpFixture } from '../../test/support/onnxFixtures.js'
import { evaluateFloat } from './evaluateFloat.js'
import { importOnnx } from './importOnnx.js'
import { opInputs, shapeSize, type DenseOp } from './ir.js'
import { SUPPORTED_OPS } from './onnxOpTable.js'

function thrown(f: () => unknown): Error {
  try {
    f()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error')
}

/** A single-node model around `x` [1, 4] → `y`, for error cases. */
function oneNode(nodes: ReturnType<typeof node>[], initializers = [tensor('W', [3, 4], new Array(12).fill(0.5))]) {
  return buildModel({ input: { name: 'x', shape: [1, 4] }, output: { name: 'y' }, initializers, nodes })
}

describe('importOnnx', () => {
  it.each(allFixtures().map((f) => [f.name, f] as const))('lowers %s to the expected op chain', (_, fixture) => {
    const ir = importOnnx(fixture.model)
    expect(ir.ops.map((op) => op.kind)).toEqual(fixture.kinds)
    expect(ir.droppedOutputOps).toEqual(fixture.dropped)
    // Topological order: every op reads the input or an earlier op's output, and every tensor has a shape.
    const available = new Set([ir.input.name])
    for (const op of ir.ops) {
      for (const t of opInputs(op)) expect(available.has(t), `${op.name} reads ${t} before it is computed`).toBe(true)
      available.add(op.output)
    }
    expect(available.has(ir.output.name)).toBe(true)
    // Every tensor's recorded shape is a real one (no empty fallback) and is the size the float
    // evaluator actually computes for it: importOnnx fills missing shapes with [], so only
    // comparing against the computed tensors can catch a lowering that records the wrong shape.
    const input = Float64Array.from({ length: shapeSize(ir.input.shape) }, (_, i) => Math.sin(i + 1))
    const { tensors } = evaluateFloat(ir, input, { trace: true })
    for (const t of available) {
      const shape = ir.tensors[t]
      expect(shape?.length, `shape of ${t}`).toBeGreaterThan(0)
      expect(shape!.every((d) => Number.isInteger(d) && d > 0), `shape of ${t}: [${shape}]`).toBe(true)
      expect(tensors!.get(t)!.length, `size of ${t} against its shape [${shape}]`).toBe(shapeSize(shape!))
    }
  })

  it('refuses an op outside the set in a CNN (HardSigmoid), naming it, the node and the supported ops', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 1, 4, 4] },
      output: { name: 'y' },
      initializers: [tensor('W', [2, 1, 3, 3], new Array(18).fill(0.1))],
      nodes: [node('Conv', ['x', 'W'], ['c'], { name: '/features/0/Conv' }), node('HardSigmoid', ['c'], ['h'], { name: '/features/1/HardSigmoid' }), node('Flatten', ['h'], ['y'])],
    })
    const error = thrown(() => importOnnx(model))
    expect(error).toBeInstanceOf(UnsupportedOpError)
    expect(error).toMatchObject({ opType: 'HardSigmoid', nodeName: '/features/1/HardSigmoid' })
    for (const op of ['Conv', 'MaxPool', 'AveragePool', 'BatchNormalization', 'Concat', 'Softmax', 'Pad', 'Clip']) expect(error.message).toContain(op)
    for (const op of ['Conv', 'MaxPool', 'GlobalAveragePool', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Transpose', 'Slice', 'ConstantOfShape']) expect(SUPPORTED_OPS).toContain(op)
  })

  it('prunes a dead branch of a DAG and renames the op behind an output view', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2, 2, 2] },
      output: { name: 'y' },
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Sigmoid', ['x'], ['b']),
        node('Tanh', ['b'], ['dead']),
        node('Concat', ['a', 'b'], ['c'], { attributes: [attr.int('axis', 1)] }),
        node('Flatten', ['c'], ['y']),
      ],
    })
    const ir = importOnnx(model)
    expect(ir.ops.map((op) => `${op.kind}:${opInputs(op).join(',')}->${op.output}`)).toEqual(['relu:x->a', 'sigmoid:x->b', 'concat:a,b->y'])
    expect(ir.output).toEqual({ name: 'y', shape: [1, 16] })
    expect(Object.keys(ir.tensors).sort()).toEqual(['a', 'b', 'x', 'y'])
  })

  it('folds (x − mean)/std → Gemm → Relu → Gemm into exactly dense, relu, dense, with the batch dim set to 1', () => {
    const { model } = standardizedMlpFixture()
    const raw = importOnnx(model, { fold: false })
    expect(raw.ops.map((op) => op.kind)).toEqual(['affine', 'affine', 'dense', 'relu', 'dense'])
    const ir = importOnnx(model, { name: 'mlp' })
    expect(ir.ops.map((op) => op.kind)).toEqual(['dense', 'relu', 'dense'])
    expect(ir.input).toEqual({ name: 'x', shape: [1, 4] })
    expect(ir.output).toEqual({ name: 'logits', shape: [1, 3] })
    expect(Object.keys(ir.tensors).sort()).toEqual(['a', 'h', 'logits', 'x'])
    const input = Float64Array.from([6.1, 2.8, 4.7, 1.2])
    const before = evaluateFloat(raw, input).output
    const after = evaluateFloat(ir, input).output
    after.forEach((v, i) => expect(v).toBeCloseTo(before[i]!, 12))
  })

  it('computes Gemm weights for transB = 0 and 1 with alpha and beta', () => {
    for (const transB of [0, 1]) {
      const { model } = gemmFixture({ transB, alpha: 2, beta: 3 })
      const [W, C] = model.graph!.initializer!.map((t) => Array.from(new Float32Array(t.rawData!.slice().buffer)))
      const dense = importOnnx(model).ops[0] as DenseOp
      expect([dense.inFeatures, dense.outFeatures]).toEqual([5, 3])
      // W'[j][i] = alpha · B'[i][j], with B stored [N][K] when transB = 1.
      expect(dense.weight[1 * 5 + 4]).toBeCloseTo(2 * (transB ? W![1 * 5 + 4]! : W![4 * 3 + 1]!), 6)
      expect(Array.from(dense.bias)).toEqual(C!.map((c) => 3 * c))
    }
  })

  it('reads int64 shapes from raw_data and from int64_data (Longs) alike', () => {
    const raw = importOnnx(reshapeFixture('raw').model)
    const typed = importOnnx(reshapeFixture('typed').model)
    expect(raw.ops[0]).toMatchObject({ kind: 'dense', input: 'x', inFeatures: 6, outFeatures: 4 })
    expect(typed.ops.map((op) => op.kind)).toEqual(raw.ops.map((op) => op.kind))
    expect(raw.tensors['x']).toEqual([1, 2, 3])
  })

  it('refuses an unsupported op, naming the op, the node and the supported list', () => {
    const error = thrown(() => importOnnx(oneNode([node('Softplus', ['x'], ['y'], { name: 'act/softplus' })])))
    expect(error).toBeInstanceOf(UnsupportedOpError)
    expect(error).toMatchObject({ opType: 'Softplus', nodeName: 'act/softplus' })
    expect(error.message).toContain('"Softplus" at node "act/softplus"')
    for (const op of ['Gemm', 'MatMul', 'Relu', 'Reshape']) expect(error.message).toContain(op)
    expect(SUPPORTED_OPS).toContain('Gemm')
  })

  it('names an unnamed node by its index and op type', () => {
    const error = thrown(() => importOnnx(oneNode([node('Relu', ['x'], ['r']), node('Softplus', ['r'], ['y'])])))
    expect(error).toMatchObject({ name: 'UnsupportedOpError', nodeName: '#1 (Softplus)' })
  })

  it('refuses an op type that only exists on Object.prototype, and ops from other domains', () => {
    expect(thrown(() => importOnnx(oneNode([node('toString', ['x'], ['y'])])))).toBeInstanceOf(UnsupportedOpError)
    const custom = oneNode([node('Relu', ['x'], ['y'])])
    custom.graph!.node![0]!.domain = 'com.microsoft'
    expect(thrown(() => importOnnx(custom)).message).toContain('"com.microsoft.Relu"')
  })

  it('checks the Gemm weight width against the input size, naming the node', () => {
    const model = oneNode([node('Gemm', ['x', 'W'], ['y'], { name: 'fc1' })], [tensor('W', [5, 3], new Array(15).fill(1))])
    const error = thrown(() => importOnnx(model))
    expect(error).toBeInstanceOf(ModelImportError)
    expect(error.message).toMatch(/Gemm node "fc1".*expects 5 input features but the input \[1, 4\] has 4/)
  })

  it('refuses a computed Gemm weight, a division of two computed operands and c / x, with clear messages', () => {
    const computedWeight = oneNode([node('Relu', ['x'], ['r']), node('Gemm', ['x', 'r'], ['y'], { name: 'mm' })])
    expect(thrown(() => importOnnx(computedWeight)).message).toMatch(/Gemm node "mm".*B \(the weight\).*computed from the model input/)
    const ratio = oneNode([node('Relu', ['x'], ['r']), node('Div', ['x', 'r'], ['y'], { name: 'res' })])
    expect(thrown(() => importOnnx(ratio)).message).toMatch(/Div node "res".*constant divisor only/)
    const reciprocal = oneNode([node('Div', ['W', 'x'], ['y'], { name: 'inv' })], [tensor('W', [4], [1, 2, 3, 4])])
    expect(thrown(() => importOnnx(reciprocal)).message).toMatch(/Div node "inv".*not linear/)
  })

  it('refuses several inputs, several outputs and dynamic non-batch dims', () => {
    const twoInputs = buildModel({ input: { name: 'x', shape: [1, 4] }, extraInputs: [{ name: 'z', shape: [1, 4] }], output: { name: 'y' }, nodes: [node('Relu', ['x'], ['y'])] })
    expect(thrown(() => importOnnx(twoInputs, { fileName: 'two.onnx' })).message).toMatch(/two.onnx has 2 graph inputs \("x", "z"\); glassbox supports exactly one/)
    const twoOutputs = oneNode([node('Relu', ['x'], ['y'])])
    twoOutputs.graph!.output!.push({ name: 'x' })
    expect(thrown(() => importOnnx(twoOutputs)).message).toMatch(/2 graph outputs/)
    const dynamic = buildModel({ input: { name: 'x', shape: ['batch', 'features'] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['y'])] })
    expect(thrown(() => importOnnx(dynamic)).message).toMatch(/Dimension 1 of the input "x".*dynamic/)
  })

  it('treats initializers listed as graph inputs (old exporters) as weights', () => {
    const model = oneNode([node('Gemm', ['x', 'W'], ['y'], { attributes: [attr.int('transB', 1)] })])
    model.graph!.input!.push({ name: 'W', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: 4 }] } } } })
    expect(importOnnx(model).ops.map((op) => op.kind)).toEqual(['dense'])
  })

  it('drops ops that do not reach the output and refuses a constant output', () => {
    const dead = oneNode([node('Relu', ['x'], ['unused']), node('Gemm', ['x', 'W'], ['y'], { attributes: [attr.int('transB', 1)] })])
    expect(importOnnx(dead).ops.map((op) => op.kind)).toEqual(['dense'])
    const constant = oneNode([node('Identity', ['W'], ['y'])])
    expect(thrown(() => importOnnx(constant)).message).toMatch(/does not depend on its input/)
  })
})
