/**
 * Small ONNX models, each exercising one part of the importer, with the op
 * chain the importer should produce. Used by the import tests and by the
 * onnxruntime parity test.
 */
import type onnxProto from 'onnx-proto'
import { attr, buildModel, node, randomArray, seededRandom, tensor, type Encoding } from './buildOnnx.js'

export type Fixture = {
  name: string
  model: onnxProto.onnx.ModelProto
  /** The op kinds importOnnx should produce (after folding). */
  kinds: string[]
}

const random = seededRandom(42)
const weights = (n: number) => randomArray(random, n)

/** Gemm with the weight stored [N][K] (transB=1) or [K][N] (transB=0), alpha/beta and a bias C of the given shape. */
export function gemmFixture({ transB = 1, alpha = 1, beta = 1, cDims = [3] }: { transB?: number; alpha?: number; beta?: number; cDims?: number[] } = {}): Fixture {
  const [k, n] = [5, 3]
  return {
    name: `gemm-transB${transB}-alpha${alpha}-beta${beta}-C[${cDims}]`,
    kinds: ['dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, k] },
      output: { name: 'y', shape: [1, n] },
      initializers: [tensor('W', transB ? [n, k] : [k, n], weights(n * k)), tensor('C', cDims, weights(cDims.reduce((a, b) => a * b, 1)))],
      nodes: [node('Gemm', ['x', 'W', 'C'], ['y'], { name: 'fc', attributes: [attr.int('transB', transB), attr.float('alpha', alpha), attr.float('beta', beta)] })],
    }),
  }
}

/** MatMul then Add of a bias: one dense op. */
export function matMulAddFixture(): Fixture {
  return {
    name: 'matmul-add',
    kinds: ['dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 4] },
      output: { name: 'y', shape: [1, 3] },
      initializers: [tensor('W', [4, 3], weights(12)), tensor('b', [3], weights(3))],
      nodes: [node('MatMul', ['x', 'W'], ['h'], { name: 'mm' }), node('Add', ['h', 'b'], ['y'], { name: 'bias' })],
    }),
  }
}

/** (x − mean)/std → Gemm → Relu → Gemm, with a dynamic batch dim; the preprocessing folds away. */
export function standardizedMlpFixture(): Fixture {
  return {
    name: 'standardized-mlp',
    kinds: ['dense', 'relu', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: ['batch', 4] },
      output: { name: 'logits', shape: ['batch', 3] },
      initializers: [
        tensor('mean', [1, 4], [5.8, 3.0, 3.7, 1.2]),
        tensor('std', [4], [0.8, 0.4, 1.7, 0.75], { encoding: 'typed' }),
        tensor('W1', [8, 4], weights(32)),
        tensor('b1', [8], weights(8)),
        tensor('W2', [3, 8], weights(24), { encoding: 'typed' }),
        tensor('b2', [3], weights(3)),
      ],
      nodes: [
        node('Sub', ['x', 'mean'], ['centered'], { name: 'sub' }),
        node('Div', ['centered', 'std'], ['scaled'], { name: 'div' }),
        node('Gemm', ['scaled', 'W1', 'b1'], ['h'], { name: 'fc1', attributes: [attr.int('transB', 1)] }),
        node('Relu', ['h'], ['a'], { name: 'relu' }),
        node('Gemm', ['a', 'W2', 'b2'], ['logits'], { name: 'fc2', attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/** Reshape by a Constant int64 shape [0, -1] and a Flatten, around a MatMul; `encoding` picks raw_data or int64_data (Longs). */
export function reshapeFixture(encoding: Encoding = 'raw'): Fixture {
  return {
    name: `reshape-${encoding}`,
    kinds: ['dense', 'relu'],
    model: buildModel({
      input: { name: 'x', shape: [1, 2, 3] },
      output: { name: 'y', shape: [1, 4] },
      initializers: [tensor('W', [6, 4], weights(24))],
      nodes: [
        node('Constant', [], ['shape'], { attributes: [attr.tensor('value', tensor('', [2], [0, -1], { type: 'int64', encoding }))] }),
        node('Reshape', ['x', 'shape'], ['flat'], { name: 'reshape' }),
        node('MatMul', ['flat', 'W'], ['h'], { name: 'mm' }),
        node('Reshape', ['h', 'shape'], ['h2']),
        node('Relu', ['h2'], ['r'], { name: 'relu' }),
        node('Flatten', ['r'], ['y'], { attributes: [attr.int('axis', 1)] }),
      ],
    }),
  }
}

/** PyTorch's `x.view(x.size(0), -1)`: Shape → Gather → Unsqueeze → Concat → Reshape, all evaluated at import. */
export function dynamicViewFixture(): Fixture {
  return {
    name: 'shape-gather-concat-reshape',
    kinds: ['dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 2, 2, 2] },
      output: { name: 'y', shape: [1, 3] },
      initializers: [
        tensor('zero', [], [0], { type: 'int64' }),
        tensor('minusOne', [1], [-1], { type: 'int64', encoding: 'typed' }),
        // Unsqueeze takes its axes as an input since opset 13.
        tensor('axes', [1], [0], { type: 'int64' }),
        tensor('W', [3, 8], weights(24)),
        tensor('b', [3], weights(3)),
      ],
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { attributes: [attr.int('axis', 0)] }),
        node('Unsqueeze', ['n', 'axes'], ['n1']),
        node('Concat', ['n1', 'minusOne'], ['target'], { attributes: [attr.int('axis', 0)] }),
        node('Reshape', ['x', 'target'], ['flat']),
        node('Gemm', ['flat', 'W', 'b'], ['y'], { name: 'fc', attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/** A weight computed from constants (Constant · 2 through Identity), a Constant value_floats bias, and BatchNormalization. */
export function constantSubgraphFixture(): Fixture {
  return {
    name: 'constant-subgraph-batchnorm',
    kinds: ['dense', 'relu', 'affine'],
    model: buildModel({
      input: { name: 'x', shape: [1, 3] },
      output: { name: 'y', shape: [1, 4] },
      initializers: [tensor('two', [], [2]), tensor('one', [1], [1]), tensor('gamma', [4], weights(4)), tensor('beta', [4], weights(4)), tensor('mean', [4], weights(4)), tensor('var', [4], weights(4).map((v) => 0.5 + v * v))],
      nodes: [
        node('Constant', [], ['W0'], { name: 'w0', attributes: [attr.tensor('value', tensor('', [3, 4], weights(12)))] }),
        node('Mul', ['W0', 'two'], ['W1'], { name: 'double-weight' }),
        node('Identity', ['W1'], ['W']),
        node('Constant', [], ['b'], { attributes: [attr.floats('value_floats', weights(4))] }),
        node('MatMul', ['x', 'W'], ['h']),
        node('Add', ['b', 'h'], ['hb']),
        node('BatchNormalization', ['hb', 'gamma', 'beta', 'mean', 'var'], ['bn'], { attributes: [attr.float('epsilon', 1e-3)] }),
        node('Relu', ['bn'], ['r']),
        node('Mul', ['r', 'two'], ['r2']),
        node('Sub', ['one', 'r2'], ['y']),
      ],
    }),
  }
}

/** Two linear layers with no nonlinearity between merge into one dense. */
export function denseDenseFixture(): Fixture {
  return {
    name: 'dense-dense',
    kinds: ['dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 3] },
      output: { name: 'y', shape: [1, 2] },
      initializers: [tensor('W1', [3, 4], weights(12)), tensor('b1', [4], weights(4)), tensor('W2', [4, 2], weights(8)), tensor('b2', [1, 2], weights(2))],
      nodes: [node('MatMul', ['x', 'W1'], ['h']), node('Add', ['h', 'b1'], ['hb']), node('Dropout', ['hb'], ['d']), node('Gemm', ['d', 'W2', 'b2'], ['y'])],
    }),
  }
}

/** Unsqueeze/Cast/Squeeze views, and a weight and bias that are MatMul/Gemm products of constants. */
export function squeezeAndConstantProductsFixture(): Fixture {
  return {
    name: 'squeeze-cast-constant-products',
    kinds: ['dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 4] },
      output: { name: 'y', shape: [1, 3] },
      initializers: [
        tensor('axes', [1], [1], { type: 'int64' }),
        tensor('P', [4, 2], weights(8)),
        tensor('Q', [2, 3], weights(6)),
        tensor('ones', [2, 1], [1, 1]),
        tensor('R', [2, 3], weights(6)),
        tensor('S', [3], weights(3)),
      ],
      nodes: [
        node('Unsqueeze', ['x', 'axes'], ['x3']),
        node('Cast', ['x3'], ['xc'], { attributes: [attr.int('to', 1)] }),
        node('Squeeze', ['xc', 'axes'], ['x2']),
        node('MatMul', ['P', 'Q'], ['W']),
        node('Gemm', ['ones', 'R', 'S'], ['b'], { attributes: [attr.int('transA', 1), attr.float('alpha', 0.5)] }),
        node('Gemm', ['x2', 'W', 'b'], ['y'], { name: 'fc' }),
      ],
    }),
  }
}

export function allFixtures(): Fixture[] {
  return [
    gemmFixture({ transB: 1 }),
    gemmFixture({ transB: 0, alpha: 0.5, beta: 2, cDims: [1, 3] }),
    gemmFixture({ transB: 1, alpha: -1.5, beta: 0.25, cDims: [] }),
    matMulAddFixture(),
    standardizedMlpFixture(),
    reshapeFixture('raw'),
    reshapeFixture('typed'),
    dynamicViewFixture(),
    constantSubgraphFixture(),
    denseDenseFixture(),
    squeezeAndConstantProductsFixture(),
  ]
}
