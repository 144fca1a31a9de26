import { describe, expect, it } from 'vitest'
import { attr, buildModel, node, randomArray, seededRandom, tensor } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { ModelImportError } from '../errors.js'
import { importOnnx } from './importOnnx.js'
import type { ConvOp } from './ir.js'

const random = seededRandom(7)
const pick = <T>(values: readonly T[]): T => values[Math.floor(random(0, values.length))]!
const int = (lo: number, hi: number) => Math.floor(random(lo, hi + 1))

type ConvCase = { c: number; m: number; group: number; h: number; w: number; kh: number; kw: number; stride: [number, number]; pads: number[]; bias: boolean; autoPad?: string }

function convModel({ c, m, group, h, w, kh, kw, stride, pads, bias, autoPad }: ConvCase) {
  const attributes = [attr.ints('kernel_shape', [kh, kw]), attr.ints('strides', stride), attr.int('group', group), ...(autoPad ? [attr.string('auto_pad', autoPad)] : [attr.ints('pads', pads)])]
  return buildModel({
    input: { name: 'x', shape: [1, c, h, w] },
    output: { name: 'y' },
    initializers: [tensor('W', [m, c / group, kh, kw], randomArray(random, (m * c * kh * kw) / group)), tensor('B', [m], randomArray(random, m))],
    nodes: [node('Conv', ['x', 'W', ...(bias ? ['B'] : [])], ['y'], { name: 'conv', attributes })],
  })
}

/** Random small convs: dense, grouped (2) and depthwise, 1×1 to 3×3, stride 1–2, asymmetric pads. */
function randomCases(n: number): ConvCase[] {
  return Array.from({ length: n }, (_, i) => {
    const style = pick(['dense', 'grouped', 'depthwise'] as const)
    const c = style === 'grouped' ? 2 * int(1, 2) : int(1, 4)
    const group = style === 'dense' ? 1 : style === 'grouped' ? 2 : c
    const m = style === 'depthwise' ? c * int(1, 2) : group * int(1, 3)
    const [kh, kw] = i % 5 === 0 ? [1, 1] : [int(1, 3), int(1, 3)]
    const pads = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)]
    const h = Math.max(kh - pads[0]! - pads[2]!, 1) + int(0, 5)
    const w = Math.max(kw - pads[1]! - pads[3]!, 1) + int(0, 5)
    return { c, m, group, h, w, kh, kw, stride: [int(1, 2), int(1, 2)], pads, bias: random(0, 1) < 0.7 }
  })
}

describe('Conv', () => {
  it.each(randomCases(24).map((c, i) => [i, JSON.stringify(c), c] as const))('matches onnxruntime on random case %i: %s', async (i, _, convCase) => {
    const ir = await expectParity(convModel(convCase), { name: `conv-random-${i}`, seed: i })
    expect(ir.ops.map((op) => op.kind)).toEqual(['conv'])
  })

  it.each(['SAME_UPPER', 'SAME_LOWER', 'VALID'])('resolves auto_pad %s like onnxruntime', async (autoPad) => {
    for (const [i, stride] of ([[1, 1], [2, 2], [2, 1]] as [number, number][]).entries()) {
      const model = convModel({ c: 2, m: 3, group: 1, h: 5, w: 6, kh: 3, kw: 2, stride, pads: [], bias: true, autoPad })
      await expectParity(model, { name: `conv-${autoPad}-${i}` })
    }
  })

  it('lowers to a conv with the ONNX weight layout and [top, left, bottom, right] pads', () => {
    const model = convModel({ c: 2, m: 4, group: 2, h: 5, w: 5, kh: 3, kw: 1, stride: [2, 1], pads: [1, 0, 2, 0], bias: false })
    const op = importOnnx(model).ops[0] as ConvOp
    expect(op).toMatchObject({ kind: 'conv', inShape: [2, 5, 5], outShape: [4, 3, 5], kernel: [3, 1], stride: [2, 1], pads: [1, 0, 2, 0], group: 2 })
    expect(op.weight).toHaveLength(4 * 1 * 3 * 1)
    expect(Array.from(op.bias)).toEqual([0, 0, 0, 0])
  })

  it('refuses dilation, 1-D and 3-D convs, a computed weight and a group that does not fit, naming the node', () => {
    const base: ConvCase = { c: 2, m: 2, group: 1, h: 5, w: 5, kh: 3, kw: 3, stride: [1, 1], pads: [0, 0, 0, 0], bias: true }
    const dilated = convModel(base)
    dilated.graph!.node![0]!.attribute!.push(attr.ints('dilations', [2, 2]))
    expect(() => importOnnx(dilated)).toThrow(/Conv node "conv" cannot be imported: it has dilations \[2, 2\]; glassbox supports dilation 1 only/)
    const oneD = buildModel({ input: { name: 'x', shape: [1, 2, 8] }, output: { name: 'y' }, initializers: [tensor('W', [2, 2, 3], new Array(12).fill(1))], nodes: [node('Conv', ['x', 'W'], ['y'], { name: 'c1d' })] })
    expect(() => importOnnx(oneD)).toThrow(/Conv node "c1d".*not an image \[N, C, H, W\]/)
    const computed = buildModel({ input: { name: 'x', shape: [1, 1, 3, 3] }, output: { name: 'y' }, nodes: [node('Conv', ['x', 'x'], ['y'], { name: 'self' })] })
    expect(() => importOnnx(computed)).toThrow(ModelImportError)
    expect(() => importOnnx(computed)).toThrow(/W \(the weight\).*computed from the model input/)
    const badGroup = convModel({ ...base, group: 2, c: 2, m: 3 })
    expect(() => importOnnx(badGroup)).toThrow(/with group 2 does not fit its input of 2 channels/)
  })

  it('evaluates a Conv of constants at import', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 4] },
      output: { name: 'y' },
      initializers: [tensor('img', [1, 1, 2, 2], [1, 2, 3, 4]), tensor('W', [1, 1, 2, 2], [1, 1, 1, 1]), tensor('F', [1, 1], [0.5])],
      nodes: [node('Conv', ['img', 'W'], ['s']), node('Reshape', ['s', 'shape'], ['s1']), node('Mul', ['x', 's1'], ['y'])],
    })
    model.graph!.initializer!.push(tensor('shape', [1], [1], { type: 'int64' }))
    const ir = importOnnx(model)
    expect(ir.ops.map((op) => op.kind)).toEqual(['affine'])
    expect(Array.from((ir.ops[0] as { scale: Float64Array }).scale)).toEqual([10, 10, 10, 10])
  })
})
