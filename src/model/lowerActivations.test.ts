import { describe, expect, it } from 'vitest'
import { attr, buildModel, constant, node, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { ModelImportError } from '../errors.js'
import { importOnnx } from './importOnnx.js'

const x = { name: 'x', shape: [1, 2, 3, 3] }

describe('activations', () => {
  it('reads Clip bounds from attributes (opset < 11) and from constant inputs (opset ≥ 11)', async () => {
    const v6 = buildModel({ opset: 6, input: x, output: { name: 'y' }, nodes: [node('Clip', ['x'], ['y'], { attributes: [attr.float('min', -0.5), attr.float('max', 1)] })] })
    expect((await expectParity(v6, { name: 'clip-opset6' })).ops).toMatchObject([{ kind: 'clip', min: -0.5, max: 1 }])
    const onlyMax = buildModel({ input: x, output: { name: 'y' }, nodes: [constant('hi', [], [0.25]), node('Clip', ['x', '', 'hi'], ['y'])] })
    expect((await expectParity(onlyMax, { name: 'clip-only-max' })).ops).toMatchObject([{ kind: 'clip', min: Number.NEGATIVE_INFINITY, max: 0.25 }])
    const onlyMin = buildModel({ input: x, output: { name: 'y' }, initializers: [tensor('lo', [], [-0.25])], nodes: [node('Clip', ['x', 'lo'], ['y'])] })
    expect((await expectParity(onlyMin, { name: 'clip-only-min' })).ops).toMatchObject([{ kind: 'clip', min: -0.25, max: Number.POSITIVE_INFINITY }])
  })

  it('imports Clip(0, +∞) as relu, Clip(−FLT_MAX, FLT_MAX) as a view, and Relu → Clip(0, 6) (PyTorch ReLU6) as one clip', async () => {
    const relu = buildModel({ opset: 6, input: x, output: { name: 'y' }, nodes: [node('Clip', ['x'], ['y'], { attributes: [attr.float('min', 0)] })] })
    expect(importOnnx(relu).ops.map((op) => op.kind)).toEqual(['relu'])
    const open = buildModel({ input: x, output: { name: 'y' }, initializers: [tensor('lo', [], [-3.4028234663852886e38]), tensor('hi', [], [3.4028234663852886e38])], nodes: [node('Clip', ['x', 'lo', 'hi'], ['c']), node('Relu', ['c'], ['y'])] })
    expect(importOnnx(open).ops.map((op) => op.kind)).toEqual(['relu'])
    const relu6 = buildModel({ input: x, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), constant('zero', [], [0]), constant('six', [], [6]), node('Clip', ['r', 'zero', 'six'], ['y'])] })
    expect((await expectParity(relu6, { name: 'relu6', range: 10 })).ops).toMatchObject([{ kind: 'clip', min: 0, max: 6, input: 'x', output: 'y' }])
    expect(importOnnx(relu6, { fold: false }).ops.map((op) => op.kind)).toEqual(['relu', 'clip'])
  })

  it('lowers LeakyRelu (default alpha 0.01), Sigmoid and Tanh', async () => {
    const model = buildModel({
      input: x,
      output: { name: 'y' },
      nodes: [node('LeakyRelu', ['x'], ['a']), node('Sigmoid', ['a'], ['b']), node('Tanh', ['b'], ['c']), node('LeakyRelu', ['c'], ['y'], { attributes: [attr.float('alpha', 0.2)] })],
    })
    const ir = await expectParity(model, { name: 'leaky-sigmoid-tanh', range: 4 })
    expect(ir.ops).toMatchObject([{ kind: 'leakyrelu', alpha: 0.01 }, { kind: 'sigmoid' }, { kind: 'tanh' }, { kind: 'leakyrelu' }])
    expect((ir.ops[3] as { alpha: number }).alpha).toBeCloseTo(0.2, 6)
  })

  it('refuses a Clip bound computed from the input', () => {
    const model = buildModel({ input: x, output: { name: 'y' }, nodes: [node('Clip', ['x', 'x'], ['y'], { name: 'clamp' })] })
    expect(() => importOnnx(model)).toThrow(/Clip node "clamp".*min bound is computed from the model input/)
  })
})

describe('Softmax', () => {
  const logits = (nodes: ReturnType<typeof node>[], opset = 13) =>
    buildModel({ opset, input: { name: 'x', shape: [1, 6] }, output: { name: 'y' }, initializers: [tensor('W', [6, 6], Array.from({ length: 36 }, (_, i) => Math.sin(i)))], nodes: [node('MatMul', ['x', 'W'], ['h']), ...nodes] })

  it('drops a final Softmax, also behind views, and records it', () => {
    const ir = importOnnx(logits([node('Softmax', ['h'], ['p']), node('Flatten', ['p'], ['y'])]))
    expect(ir.ops.map((op) => op.kind)).toEqual(['dense'])
    expect(ir.droppedOutputOps).toEqual(['Softmax'])
    expect(ir.output).toEqual({ name: 'y', shape: [1, 6] })
    expect(importOnnx(logits([node('Relu', ['h'], ['y'])])).droppedOutputOps).toBeUndefined()
  })

  it('refuses a LogSoftmax that feeds another op, naming both nodes', () => {
    const error = (() => {
      try {
        importOnnx(logits([node('LogSoftmax', ['h'], ['p'], { name: 'probs' }), node('Relu', ['p'], ['y'], { name: 'after' })]))
      } catch (e) {
        return e as ModelImportError
      }
    })()
    expect(error).toBeInstanceOf(ModelImportError)
    expect(error?.message).toMatch(/Relu node "after".*reads the output of LogSoftmax node "probs"; glassbox supports LogSoftmax only as the model's last op/)
  })

  it('keeps a Softmax that feeds another op, or a final one over part of the output, as a softmax op', () => {
    expect(importOnnx(logits([node('Softmax', ['h'], ['p']), node('Relu', ['p'], ['y'])])).ops.map((op) => op.kind)).toEqual(['dense', 'softmax', 'relu'])
    const perRow = buildModel({ input: { name: 'x', shape: [1, 2, 3] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'], { name: 'rows' })] })
    expect(importOnnx(perRow).ops).toMatchObject([{ kind: 'relu' }, { kind: 'softmax', axisSize: 3, inner: 1 }])
    expect(importOnnx(perRow).droppedOutputOps).toBeUndefined()
    // Opset < 13 coerces to 2-D at axis 1: the whole [1, 2, 3] output.
    const legacy = buildModel({ opset: 11, input: { name: 'x', shape: [1, 2, 3] }, output: { name: 'y' }, nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'])] })
    expect(importOnnx(legacy).droppedOutputOps).toEqual(['Softmax'])
  })
})
