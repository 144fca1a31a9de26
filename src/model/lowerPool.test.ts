import { describe, expect, it } from 'vitest'
import { attr, buildModel, constant, node, seededRandom, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'
import type { ConvOp, MaxPoolOp } from './ir.js'

const random = seededRandom(11)
const int = (lo: number, hi: number) => Math.floor(random(lo, hi + 1))

type PoolCase = { kind: 'MaxPool' | 'AveragePool'; c: number; h: number; w: number; kernel: [number, number]; stride: [number, number]; pads: number[]; ceil: 0 | 1; countPads: 0 | 1 }

function poolModel({ kind, c, h, w, kernel, stride, pads, ceil, countPads }: PoolCase) {
  const attributes = [attr.ints('kernel_shape', kernel), attr.ints('strides', stride), attr.ints('pads', pads), attr.int('ceil_mode', ceil), ...(kind === 'AveragePool' ? [attr.int('count_include_pad', countPads)] : [])]
  return buildModel({ input: { name: 'x', shape: [1, c, h, w] }, output: { name: 'y' }, nodes: [node(kind, ['x'], ['y'], { name: 'pool', attributes })] })
}

/** Random pools: kernels 1–3, strides 1–3, pads below the kernel (asymmetric), ceil_mode and count_include_pad both ways. */
function randomCases(kind: PoolCase['kind'], n: number): PoolCase[] {
  return Array.from({ length: n }, () => {
    const kernel: [number, number] = [int(1, 3), int(1, 3)]
    const pads = [int(0, kernel[0] - 1), int(0, kernel[1] - 1), int(0, kernel[0] - 1), int(0, kernel[1] - 1)]
    return { kind, c: int(1, 3), h: kernel[0] + int(0, 5), w: kernel[1] + int(0, 5), kernel, stride: [int(1, 3), int(1, 3)], pads, ceil: int(0, 1) as 0 | 1, countPads: int(0, 1) as 0 | 1 }
  })
}

describe('pools', () => {
  it.each([...randomCases('AveragePool', 30), ...randomCases('MaxPool', 20)].map((c, i) => [i, JSON.stringify(c), c] as const))('match onnxruntime on random case %i: %s', async (i, _, poolCase) => {
    await expectParity(poolModel(poolCase), { name: `pool-random-${i}`, seed: i })
  })

  it('drops a ceil_mode window that would start in the end padding, as onnxruntime does', async () => {
    // in 5, k 3, s 3, pads 1/1: ⌈(5 + 2 − 3)/3⌉ + 1 = 3 windows, but the third starts at 6 − 1 = 5, past the input.
    for (const kind of ['MaxPool', 'AveragePool'] as const) {
      const ir = await expectParity(poolModel({ kind, c: 1, h: 5, w: 5, kernel: [3, 3], stride: [3, 3], pads: [1, 1, 1, 1], ceil: 1, countPads: 1 }), { name: `ceil-drop-${kind}` })
      expect(ir.tensors['y']).toEqual([1, 1, 2, 2])
    }
  })

  it('lowers AveragePool to one depthwise conv 1/d when the divisors agree, else a sum conv and an affine', () => {
    const uniform = importOnnx(poolModel({ kind: 'AveragePool', c: 2, h: 4, w: 4, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], ceil: 0, countPads: 0 }))
    expect(uniform.ops.map((op) => op.kind)).toEqual(['conv'])
    expect(uniform.ops[0]).toMatchObject({ group: 2, kernel: [2, 2], stride: [2, 2] })
    expect(Array.from((uniform.ops[0] as ConvOp).weight)).toEqual(new Array(8).fill(0.25))
    const excluded = importOnnx(poolModel({ kind: 'AveragePool', c: 1, h: 3, w: 3, kernel: [2, 2], stride: [1, 1], pads: [1, 1, 0, 0], ceil: 0, countPads: 0 }))
    expect(excluded.ops.map((op) => op.kind)).toEqual(['conv', 'affine'])
    expect(Array.from((excluded.ops[0] as ConvOp).weight)).toEqual([1, 1, 1, 1])
    // Corner window sees 1 pixel, edges 2, the rest 4.
    expect(Array.from((excluded.ops[1] as { scale: Float64Array }).scale)).toEqual([1, 1 / 2, 1 / 2, 1 / 2, 1 / 4, 1 / 4, 1 / 2, 1 / 4, 1 / 4])
  })

  it('lowers MaxPool with ceil_mode to a maxpool whose bottom/right pads cover the last windows', () => {
    const ir = importOnnx(poolModel({ kind: 'MaxPool', c: 1, h: 5, w: 4, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], ceil: 1, countPads: 0 }))
    expect(ir.ops[0]).toMatchObject({ kind: 'maxpool', inShape: [1, 5, 4], outShape: [1, 3, 2], pads: [0, 0, 1, 0] } satisfies Partial<MaxPoolOp>)
  })

  it.each(['SAME_UPPER', 'SAME_LOWER', 'VALID'])('resolves auto_pad %s for pools like onnxruntime', async (autoPad) => {
    let i = 0
    for (const kind of ['MaxPool', 'AveragePool'] as const) {
      for (const [countPads, ceil] of [[0, 0], [1, 0], [0, 1]] as const) {
        const attributes = [attr.ints('kernel_shape', [3, 2]), attr.ints('strides', [2, 3]), attr.string('auto_pad', autoPad), attr.int('ceil_mode', ceil), ...(kind === 'AveragePool' ? [attr.int('count_include_pad', countPads)] : [])]
        const model = buildModel({ input: { name: 'x', shape: [1, 2, 6, 7] }, output: { name: 'y' }, nodes: [node(kind, ['x'], ['y'], { attributes })] })
        await expectParity(model, { name: `pool-${autoPad}-${i++}` })
      }
    }
  })

  it('lowers GlobalAveragePool and GlobalMaxPool', async () => {
    for (const kind of ['GlobalAveragePool', 'GlobalMaxPool']) {
      const model = buildModel({ input: { name: 'x', shape: [1, 3, 4, 5] }, output: { name: 'y' }, nodes: [node(kind, ['x'], ['y'])] })
      const ir = await expectParity(model, { name: kind })
      expect(ir.ops[0]).toMatchObject({ kernel: [4, 5], outShape: [3, 1, 1] })
    }
  })

  it('refuses a used MaxPool Indices output, storage_order 1, dilations and pads as large as the kernel', () => {
    const base: PoolCase = { kind: 'MaxPool', c: 1, h: 4, w: 4, kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], ceil: 0, countPads: 0 }
    const indices = poolModel(base)
    indices.graph!.node![0]!.output!.push('idx')
    indices.graph!.node!.push(node('Cast', ['idx'], ['idxf'], { name: 'use-indices', attributes: [attr.int('to', 1)] }))
    expect(() => importOnnx(indices)).toThrow(/Cast node "use-indices".*reads "idx", the Indices output of a MaxPool/)
    // Declared but unused: fine.
    indices.graph!.node!.pop()
    expect(importOnnx(indices).ops.map((op) => op.kind)).toEqual(['maxpool'])
    const storage = poolModel(base)
    storage.graph!.node![0]!.attribute!.push(attr.int('storage_order', 1))
    expect(() => importOnnx(storage)).toThrow(/MaxPool node "pool".*storage_order 1/)
    const dilated = poolModel(base)
    dilated.graph!.node![0]!.attribute!.push(attr.ints('dilations', [1, 2]))
    expect(() => importOnnx(dilated)).toThrow(/MaxPool node "pool".*dilation 1 only/)
    expect(() => importOnnx(poolModel({ ...base, kind: 'AveragePool', pads: [2, 0, 0, 0] }))).toThrow(/AveragePool node "pool".*pads \[2, 0, 0, 0\] are not smaller than its kernel/)
  })
})

describe('Pad', () => {
  const x = { name: 'x', shape: [1, 2, 3, 4] }
  const pads = (values: number[]) => tensor('pads', [values.length], values, { type: 'int64' })

  it('folds a zero Pad into a following Conv or AveragePool, and keeps it before a MaxPool', async () => {
    const weight = tensor('W', [2, 2, 2, 2], new Array(16).fill(0).map((_, i) => (i % 5) - 2))
    const conv = buildModel({ input: x, output: { name: 'y' }, initializers: [pads([0, 0, 1, 2, 0, 0, 0, 1]), weight], nodes: [node('Pad', ['x', 'pads'], ['p']), node('Conv', ['p', 'W'], ['y'], { attributes: [attr.ints('pads', [1, 0, 0, 0])] })] })
    const convIr = await expectParity(conv, { name: 'pad-conv' })
    expect(convIr.ops).toHaveLength(1)
    expect(convIr.ops[0]).toMatchObject({ kind: 'conv', inShape: [2, 3, 4], pads: [2, 2, 0, 1] })
    // count_include_pad=0 with its own pads: the explicit zeros still count (they are data to the pool).
    const avg = buildModel({ input: x, output: { name: 'y' }, initializers: [pads([0, 0, 1, 1, 0, 0, 1, 1])], nodes: [node('Pad', ['x', 'pads'], ['p']), node('AveragePool', ['p'], ['y'], { attributes: [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 0, 0, 1])] })] })
    const avgIr = await expectParity(avg, { name: 'pad-avgpool' })
    expect(avgIr.ops.map((op) => op.kind)).toEqual(['conv', 'affine'])
    expect(avgIr.ops[0]).toMatchObject({ inShape: [2, 3, 4], pads: [2, 1, 1, 2] })
    const max = buildModel({ input: x, output: { name: 'y' }, initializers: [pads([0, 0, 1, 1, 0, 0, 1, 1])], nodes: [node('Pad', ['x', 'pads'], ['p']), node('MaxPool', ['p'], ['y'], { attributes: [attr.ints('kernel_shape', [2, 2])] })] })
    expect((await expectParity(max, { name: 'pad-maxpool', range: 1 })).ops.map((op) => op.kind)).toEqual(['pad', 'maxpool'])
  })

  it('reads pads from attributes (opset < 11), from Constant inputs and with axes (opset 18)', async () => {
    const v2 = buildModel({ opset: 10, input: x, output: { name: 'y' }, nodes: [node('Pad', ['x'], ['y'], { attributes: [attr.ints('pads', [0, 0, 1, 0, 0, 0, 0, 2]), attr.string('mode', 'constant'), attr.float('value', 0)] })] })
    expect((await expectParity(v2, { name: 'pad-opset10' })).ops[0]).toMatchObject({ kind: 'pad', pads: [1, 0, 0, 2], outShape: [2, 4, 6] })
    const v18 = buildModel({
      opset: 18,
      input: x,
      output: { name: 'y' },
      nodes: [constant('p', [4], [2, 1, 0, 3], { type: 'int64' }), constant('v', [], [0]), constant('axes', [2], [-1, 2], { type: 'int64' }), node('Pad', ['x', 'p', 'v', 'axes'], ['y'])],
    })
    expect((await expectParity(v18, { name: 'pad-opset18' })).ops[0]).toMatchObject({ kind: 'pad', pads: [1, 2, 3, 0] })
  })

  it('refuses non-zero values, reflect mode, cropping and channel padding, naming the node', () => {
    const model = (init: number[], attributes = [attr.string('mode', 'constant')], extra: string[] = []) =>
      buildModel({ input: x, output: { name: 'y' }, initializers: [pads(init), tensor('v', [], [1])], nodes: [node('Pad', ['x', 'pads', ...extra], ['y'], { name: 'pad', attributes })] })
    expect(() => importOnnx(model([0, 0, 1, 1, 0, 0, 1, 1], undefined, ['v']))).toThrow(/Pad node "pad".*pads with 1; glassbox supports zero padding/)
    expect(() => importOnnx(model([0, 0, 1, 1, 0, 0, 1, 1], [attr.string('mode', 'reflect')]))).toThrow(/Pad node "pad".*"reflect" mode/)
    expect(() => importOnnx(model([0, 0, -1, 0, 0, 0, 0, 0]))).toThrow(/crop/)
    expect(() => importOnnx(model([0, 1, 0, 0, 0, 0, 0, 0]))).toThrow(/along H and W only/)
  })
})
