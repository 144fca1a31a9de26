/**
 * Small ONNX models, each exercising one part of the importer, with the op
 * chain the importer should produce. Used by the import tests and by the
 * onnxruntime parity test.
 */
import type onnxProto from 'onnx-proto'
import { attr, buildModel, constant, node, randomArray, seededRandom, tensor, type Encoding } from './buildOnnx.js'

export type Fixture = {
  name: string
  model: onnxProto.onnx.ModelProto
  /** The op kinds importOnnx should produce (after folding). */
  kinds: string[]
  /** The IR's `droppedOutputOps`, when the fixture ends in a Softmax. */
  dropped?: string[]
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

// ---- Convolutional networks, with the quirks PyTorch's exporter produces ----

const ints = (name: string, values: number[]) => attr.ints(name, values)
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1)
const param = (name: string, dims: number[], scale = 1) => tensor(name, dims, weights(size(dims)).map((v) => v * scale))
/** BatchNormalization parameters for `c` channels (variance kept positive). */
const batchNorm = (prefix: string, c: number) => [
  param(`${prefix}.weight`, [c]),
  param(`${prefix}.bias`, [c]),
  param(`${prefix}.mean`, [c]),
  tensor(`${prefix}.var`, [c], weights(c).map((v) => 0.5 + v * v)),
]
const bnInputs = (x: string, prefix: string) => [x, `${prefix}.weight`, `${prefix}.bias`, `${prefix}.mean`, `${prefix}.var`]

/**
 * nn.AvgPool2d(3, stride=1, padding=1) (count_include_pad=True): PyTorch
 * exports an explicit Pad (pads from a Constant node) and an AveragePool
 * without pads; the Pad folds into the pool's depthwise conv.
 */
export function padAveragePoolFixture(): Fixture {
  return {
    name: 'pytorch-pad-averagepool',
    kinds: ['conv', 'relu', 'conv', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: ['batch', 2, 6, 6] },
      output: { name: 'y', shape: ['batch', 3] },
      initializers: [param('c1.weight', [4, 2, 3, 3]), param('c1.bias', [4]), param('fc.weight', [3, 144]), param('fc.bias', [3])],
      nodes: [
        node('Conv', ['x', 'c1.weight', 'c1.bias'], ['/c1/Conv_output_0'], { name: '/c1/Conv', attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [1, 1]), ints('dilations', [1, 1]), attr.int('group', 1)] }),
        node('Relu', ['/c1/Conv_output_0'], ['/Relu_output_0'], { name: '/Relu' }),
        constant('/ap/Constant_output_0', [8], [0, 0, 1, 1, 0, 0, 1, 1], { type: 'int64' }),
        node('Pad', ['/Relu_output_0', '/ap/Constant_output_0'], ['/ap/Pad_output_0'], { name: '/ap/Pad', attributes: [attr.string('mode', 'constant')] }),
        node('AveragePool', ['/ap/Pad_output_0'], ['/ap/AveragePool_output_0'], { name: '/ap/AveragePool', attributes: [attr.int('ceil_mode', 0), ints('kernel_shape', [3, 3]), ints('pads', [0, 0, 0, 0]), ints('strides', [1, 1])] }),
        node('Flatten', ['/ap/AveragePool_output_0'], ['/Flatten_output_0'], { attributes: [attr.int('axis', 1)] }),
        node('Gemm', ['/Flatten_output_0', 'fc.weight', 'fc.bias'], ['y'], { name: '/fc/Gemm', attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/**
 * Weights and bias as Constant nodes, a BatchNormalization whose running
 * stats are Identity copies of other initializers (PyTorch deduplicates equal
 * tensors that way), and a Gemm weight from a Constant: BN folds into the conv.
 */
export function constantNodeWeightsFixture(): Fixture {
  return {
    name: 'pytorch-constant-node-weights',
    kinds: ['conv', 'relu', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 3, 5, 5] },
      output: { name: 'y', shape: [1, 2] },
      initializers: [tensor('bn.weight', [4], [1, 1, 1, 1]), tensor('bn.bias', [4], [0.5, -0.5, 0.25, 0])],
      nodes: [
        node('Identity', ['bn.weight'], ['bn.running_var']),
        constant('bn.running_mean', [4], weights(4)),
        constant('conv.weight', [4, 3, 3, 3], weights(108)),
        constant('conv.bias', [4], weights(4)),
        node('Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], { name: '/conv/Conv', attributes: [ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])] }),
        node('BatchNormalization', ['c', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var'], ['bn'], { name: '/bn/BatchNormalization', attributes: [attr.float('epsilon', 1e-5), attr.float('momentum', 0.9)] }),
        node('Relu', ['bn'], ['r']),
        node('Flatten', ['r'], ['f']),
        constant('fc.weight', [2, 36], weights(72)),
        node('Gemm', ['f', 'fc.weight'], ['y'], { attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/**
 * torch.flatten(x, 1) exports Flatten; x.view(x.size(0), -1) exports
 * Shape → Gather → Unsqueeze → Concat → Reshape, with Unsqueeze's axes an
 * attribute up to opset 12 and a (Constant) input from opset 13.
 */
export function flattenStyleFixture(style: 'flatten' | 'view', opset: 11 | 13 = 13): Fixture {
  const head = [
    node('Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], { name: '/conv/Conv', attributes: [ints('kernel_shape', [3, 3])] }),
    node('Relu', ['c'], ['r'], { name: '/Relu' }),
  ]
  const view = [
    node('Shape', ['r'], ['/Shape_output_0']),
    constant('/Constant_output_0', [], [0], { type: 'int64' }),
    node('Gather', ['/Shape_output_0', '/Constant_output_0'], ['/Gather_output_0'], { attributes: [attr.int('axis', 0)] }),
    ...(opset >= 13
      ? [constant('onnx::Unsqueeze_9', [1], [0], { type: 'int64' }), node('Unsqueeze', ['/Gather_output_0', 'onnx::Unsqueeze_9'], ['/Unsqueeze_output_0'])]
      : [node('Unsqueeze', ['/Gather_output_0'], ['/Unsqueeze_output_0'], { attributes: [ints('axes', [0])] })]),
    constant('/Constant_1_output_0', [1], [-1], { type: 'int64' }),
    node('Concat', ['/Unsqueeze_output_0', '/Constant_1_output_0'], ['/Concat_output_0'], { attributes: [attr.int('axis', 0)] }),
    node('Reshape', ['r', '/Concat_output_0'], ['flat']),
  ]
  return {
    name: `pytorch-${style}-opset${opset}`,
    kinds: ['conv', 'relu', 'dense'],
    model: buildModel({
      opset,
      input: { name: 'x', shape: ['batch', 1, 4, 4] },
      output: { name: 'y', shape: ['batch', 3] },
      initializers: [param('conv.weight', [2, 1, 3, 3]), param('conv.bias', [2]), param('fc.weight', [3, 8]), param('fc.bias', [3])],
      nodes: [
        ...head,
        ...(style === 'flatten' ? [node('Flatten', ['r'], ['flat'], { attributes: [attr.int('axis', 1)] })] : view),
        node('Gemm', ['flat', 'fc.weight', 'fc.bias'], ['y'], { attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/** Conv → BatchNorm → Relu → MaxPool(2, ceil_mode=True) → Flatten → Gemm: BN folds into the conv. */
export function convBatchNormReluMaxPoolFixture(): Fixture {
  return {
    name: 'conv-batchnorm-relu-maxpool',
    kinds: ['conv', 'relu', 'maxpool', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 3, 7, 7] },
      output: { name: 'y', shape: [1, 5] },
      initializers: [param('conv.weight', [4, 3, 3, 3]), param('conv.bias', [4]), ...batchNorm('bn', 4), param('fc.weight', [5, 64]), param('fc.bias', [5])],
      nodes: [
        node('Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], { name: 'conv', attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] }),
        node('BatchNormalization', bnInputs('c', 'bn'), ['b'], { name: 'bn', attributes: [attr.float('epsilon', 1e-3)] }),
        node('Relu', ['b'], ['r']),
        node('MaxPool', ['r'], ['p'], { name: 'pool', attributes: [ints('kernel_shape', [2, 2]), ints('strides', [2, 2]), attr.int('ceil_mode', 1)] }),
        node('Flatten', ['p'], ['f']),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], { attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/**
 * F.relu6 exports as Relu → Clip(min, max) with min and max from Constant
 * nodes (opset ≥ 11); a Clip with only a max ('' for min); a depthwise conv
 * with asymmetric pads; GlobalAveragePool.
 */
export function clipConstantInputsFixture(): Fixture {
  return {
    name: 'pytorch-relu6-clip-constants',
    kinds: ['conv', 'clip', 'conv', 'clip', 'conv', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 2, 5, 5] },
      output: { name: 'y', shape: [1, 3] },
      initializers: [param('c1.weight', [4, 2, 3, 3], 3), param('c1.bias', [4]), param('dw.weight', [4, 1, 3, 3]), param('dw.bias', [4]), param('fc.weight', [3, 4]), param('fc.bias', [3])],
      nodes: [
        node('Conv', ['x', 'c1.weight', 'c1.bias'], ['c1'], { name: 'c1', attributes: [ints('pads', [1, 1, 1, 1])] }),
        node('Relu', ['c1'], ['r1']),
        constant('/Constant_output_0', [], [0]),
        constant('/Constant_1_output_0', [], [6]),
        node('Clip', ['r1', '/Constant_output_0', '/Constant_1_output_0'], ['relu6'], { name: '/Clip' }),
        node('Conv', ['relu6', 'dw.weight', 'dw.bias'], ['dw'], { name: 'dw', attributes: [attr.int('group', 4), ints('pads', [0, 1, 1, 0]), ints('strides', [2, 1])] }),
        constant('cap', [], [0.5]),
        node('Clip', ['dw', '', 'cap'], ['capped'], { name: 'cap' }),
        node('GlobalAveragePool', ['capped'], ['g']),
        node('Flatten', ['g'], ['f']),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], { attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/** A classifier ending in Softmax (or LogSoftmax): dropped, the IR outputs the logits. */
export function finalSoftmaxFixture(opType: 'Softmax' | 'LogSoftmax' = 'Softmax', opset: 11 | 13 = 13): Fixture {
  return {
    name: `final-${opType.toLowerCase()}-opset${opset}`,
    kinds: ['conv', 'relu', 'dense'],
    dropped: [opType],
    model: buildModel({
      opset,
      input: { name: 'x', shape: [1, 1, 4, 4] },
      output: { name: 'probs', shape: [1, 4] },
      initializers: [param('conv.weight', [2, 1, 2, 2]), param('fc.weight', [4, 18]), param('fc.bias', [4])],
      nodes: [
        node('Conv', ['x', 'conv.weight'], ['c']),
        node('Relu', ['c'], ['r']),
        node('Flatten', ['r'], ['f']),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['logits'], { attributes: [attr.int('transB', 1)] }),
        node(opType, ['logits'], ['probs'], { name: 'softmax', attributes: [attr.int('axis', 1)] }),
      ],
    }),
  }
}

/**
 * Inception-style branches joined by Concat (a DAG): a 1×1 conv, a padded
 * MaxPool, and an AveragePool with count_include_pad=0 and padding (a sum
 * conv and per-position divisors), then GlobalAveragePool → Gemm.
 */
export function branchConcatFixture(): Fixture {
  return {
    name: 'branches-concat',
    kinds: ['conv', 'relu', 'conv', 'relu', 'maxpool', 'conv', 'affine', 'concat', 'conv', 'dense'],
    model: buildModel({
      input: { name: 'x', shape: [1, 3, 6, 6] },
      output: { name: 'y', shape: [1, 3] },
      initializers: [param('stem.weight', [4, 3, 3, 3]), param('stem.bias', [4]), param('b1.weight', [2, 4, 1, 1]), param('b1.bias', [2]), param('fc.weight', [3, 10]), param('fc.bias', [3])],
      nodes: [
        node('Conv', ['x', 'stem.weight', 'stem.bias'], ['s'], { name: 'stem', attributes: [ints('pads', [1, 1, 1, 1])] }),
        node('Relu', ['s'], ['sr']),
        node('Conv', ['sr', 'b1.weight', 'b1.bias'], ['b1'], { name: 'b1' }),
        node('Relu', ['b1'], ['b1r']),
        node('MaxPool', ['sr'], ['b2'], { name: 'b2', attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] }),
        node('AveragePool', ['sr'], ['b3'], { name: 'b3', attributes: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), attr.int('count_include_pad', 0)] }),
        node('Concat', ['b1r', 'b2', 'b3'], ['cat'], { name: 'cat', attributes: [attr.int('axis', 1)] }),
        node('GlobalAveragePool', ['cat'], ['g']),
        node('Flatten', ['g'], ['f']),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], { attributes: [attr.int('transB', 1)] }),
      ],
    }),
  }
}

/**
 * x.permute(0, 2, 3, 1) (a permute), LeakyRelu, Sigmoid, Tanh, and a
 * Transpose of [1, 4] to [4, 1] that only moves a size-1 dim (a view).
 */
export function transposeActivationsFixture(): Fixture {
  return {
    name: 'transpose-activations',
    kinds: ['conv', 'leakyrelu', 'permute', 'sigmoid', 'dense', 'tanh'],
    model: buildModel({
      input: { name: 'x', shape: [1, 2, 4, 4] },
      output: { name: 'y', shape: [1, 4] },
      initializers: [param('conv.weight', [3, 2, 2, 2]), param('conv.bias', [3]), param('fc.weight', [4, 12]), param('fc.bias', [4]), tensor('flat', [2], [1, -1], { type: 'int64' })],
      nodes: [
        node('Conv', ['x', 'conv.weight', 'conv.bias'], ['c'], { attributes: [ints('strides', [2, 2])] }),
        node('LeakyRelu', ['c'], ['l'], { attributes: [attr.float('alpha', 0.1)] }),
        node('Transpose', ['l'], ['nhwc'], { name: 'to-nhwc', attributes: [ints('perm', [0, 2, 3, 1])] }),
        node('Sigmoid', ['nhwc'], ['s']),
        node('Reshape', ['s', 'flat'], ['f']),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['h'], { attributes: [attr.int('transB', 1)] }),
        node('Tanh', ['h'], ['t']),
        node('Transpose', ['t'], ['column'], { attributes: [ints('perm', [1, 0])] }),
        node('Reshape', ['column', 'flat'], ['y']),
      ],
    }),
  }
}

/**
 * Pools at the edges: ceil_mode AveragePool with count_include_pad 0 and 1
 * and asymmetric pads (windows running off the end), a Pad before a MaxPool
 * (kept: its zeros can win the max), and a conv with auto_pad SAME_LOWER.
 */
export function poolEdgeCasesFixture(): Fixture {
  return {
    name: 'pool-edge-cases',
    kinds: ['conv', 'affine', 'conv', 'affine', 'pad', 'maxpool', 'conv'],
    model: buildModel({
      input: { name: 'x', shape: [1, 2, 7, 6] },
      output: { name: 'y' },
      initializers: [param('conv.weight', [2, 2, 2, 3]), param('conv.bias', [2]), tensor('pads', [8], [0, 0, 1, 0, 0, 0, 0, 1], { type: 'int64' })],
      nodes: [
        node('AveragePool', ['x'], ['a1'], { name: 'avg-exclude', attributes: [ints('kernel_shape', [3, 2]), ints('strides', [2, 2]), ints('pads', [1, 0, 0, 1]), attr.int('ceil_mode', 1)] }),
        node('AveragePool', ['a1'], ['a2'], { name: 'avg-include', attributes: [ints('kernel_shape', [2, 2]), ints('strides', [3, 1]), ints('pads', [0, 1, 0, 0]), attr.int('ceil_mode', 1), attr.int('count_include_pad', 1)] }),
        node('Pad', ['a2', 'pads'], ['p']),
        node('MaxPool', ['p'], ['m'], { attributes: [ints('kernel_shape', [2, 2]), ints('strides', [1, 1])] }),
        node('Conv', ['m', 'conv.weight', 'conv.bias'], ['y'], { attributes: [attr.string('auto_pad', 'SAME_LOWER')] }),
      ],
    }),
  }
}

export function convFixtures(): Fixture[] {
  return [
    padAveragePoolFixture(),
    constantNodeWeightsFixture(),
    flattenStyleFixture('flatten'),
    flattenStyleFixture('view', 11),
    flattenStyleFixture('view', 13),
    convBatchNormReluMaxPoolFixture(),
    clipConstantInputsFixture(),
    finalSoftmaxFixture('Softmax', 13),
    finalSoftmaxFixture('LogSoftmax', 11),
    branchConcatFixture(),
    transposeActivationsFixture(),
    poolEdgeCasesFixture(),
  ]
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
    ...convFixtures(),
  ]
}
