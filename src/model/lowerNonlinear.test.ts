/**
 * Softmax (opset 11 and 13 axis semantics), LayerNormalization (opset 17 and
 * the decomposed form), Erf and Gelu (opset 20 and torch's Erf pattern):
 * imported as one IR op each and evaluated as onnxruntime does.
 */
import { describe, expect, it } from 'vitest'
import { buildModel, constant, node, tensor, attr } from '../../test/support/buildOnnx.js'
import { expectParity } from '../../test/support/onnxParity.js'
import { importOnnx } from './importOnnx.js'
import { erf, gelu } from './nonlinearKernels.js'

const W = (n: number, m: number, phase = 0) => tensor(`W${phase}`, [n, m], Array.from({ length: n * m }, (_, i) => Math.sin(i + phase)))

describe('Softmax anywhere', () => {
  it('normalizes along one axis at opset 13 (axis 1 of [1, 3, 4]: groups 4 apart)', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 3, 4] },
      output: { name: 'y' },
      nodes: [node('Softmax', ['x'], ['p'], { attributes: [attr.int('axis', 1)] }), node('Relu', ['p'], ['y'])],
    })
    const ir = await expectParity(model, { name: 'softmax-axis1', range: 4 })
    expect(ir.ops).toMatchObject([{ kind: 'softmax', axisSize: 3, inner: 4 }, { kind: 'relu' }])
  })

  it('flattens to 2-D at the axis before opset 13 (axis 1 of [1, 2, 3]: one group of 6)', async () => {
    const model = buildModel({
      opset: 11,
      input: { name: 'x', shape: [1, 2, 3] },
      output: { name: 'y' },
      nodes: [node('Softmax', ['x'], ['p'], { attributes: [attr.int('axis', 1)] }), node('Relu', ['p'], ['y'])],
    })
    expect((await expectParity(model, { name: 'softmax-opset11', range: 4 })).ops).toMatchObject([{ kind: 'softmax', axisSize: 6, inner: 1 }, { kind: 'relu' }])
    const lastAxis = buildModel({ input: { name: 'x', shape: [1, 2, 3] }, output: { name: 'y' }, nodes: [node('Softmax', ['x'], ['p']), node('Relu', ['p'], ['y'])] })
    expect((await expectParity(lastAxis, { name: 'softmax-opset13-default', range: 4 })).ops[0]).toMatchObject({ kind: 'softmax', axisSize: 3, inner: 1 })
  })

  it('evaluates a Softmax of constants at import', () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 2] },
      output: { name: 'y' },
      nodes: [constant('c', [1, 2], [0, Math.log(3)]), node('Softmax', ['c'], ['s']), node('Mul', ['x', 's'], ['y'])],
    })
    const ir = importOnnx(model)
    expect(ir.ops).toHaveLength(1)
    expect(ir.ops[0]).toMatchObject({ kind: 'affine' })
    expect(Array.from((ir.ops[0] as { scale: Float64Array }).scale).map((v) => v.toFixed(6))).toEqual(['0.250000', '0.750000'])
  })
})

describe('LayerNormalization', () => {
  const gamma = [0.5, 1.5, -1, 2, 0.25, 1]
  const beta = [0.1, -0.2, 0.3, 0, 1, -1]

  it('imports the opset-17 op over the last axis and over the trailing two', async () => {
    const last = buildModel({
      opset: 17,
      input: { name: 'x', shape: [1, 4, 6] },
      output: { name: 'y' },
      initializers: [tensor('g', [6], gamma), tensor('b', [6], beta)],
      nodes: [node('LayerNormalization', ['x', 'g', 'b'], ['y'], { attributes: [attr.float('epsilon', 1e-5)] })],
    })
    expect((await expectParity(last, { name: 'layernorm-17', range: 3 })).ops).toMatchObject([{ kind: 'layernorm', groupSize: 6, epsilon: Math.fround(1e-5) }])
    const two = buildModel({
      opset: 17,
      input: { name: 'x', shape: [1, 2, 2, 3] },
      output: { name: 'y' },
      initializers: [tensor('g', [2, 3], gamma), tensor('b', [3], beta.slice(0, 3))],
      nodes: [node('LayerNormalization', ['x', 'g', 'b'], ['y'], { attributes: [attr.int('axis', 2), attr.float('epsilon', 1e-3)] })],
    })
    expect((await expectParity(two, { name: 'layernorm-17-axis2', range: 3 })).ops).toMatchObject([{ kind: 'layernorm', groupSize: 6 }])
  })

  it('recognises the decomposition older exporters write as one layernorm', async () => {
    const model = buildModel({
      opset: 13,
      input: { name: 'x', shape: [1, 4, 6] },
      output: { name: 'y' },
      initializers: [tensor('g', [6], gamma), tensor('b', [6], beta), tensor('two', [], [2]), tensor('eps', [], [1e-5])],
      nodes: [
        node('Relu', ['x'], ['h']),
        node('ReduceMean', ['h'], ['mu'], { name: 'ln/mean', attributes: [attr.ints('axes', [-1])] }),
        node('Sub', ['h', 'mu'], ['d']),
        node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { attributes: [attr.ints('axes', [-1])] }),
        node('Add', ['var', 'eps'], ['ve']),
        node('Sqrt', ['ve'], ['s']),
        node('Div', ['d', 's'], ['n']),
        node('Mul', ['n', 'g'], ['ng']),
        node('Add', ['ng', 'b'], ['y']),
      ],
    })
    const ir = await expectParity(model, { name: 'layernorm-decomposed', range: 3 })
    expect(ir.ops).toMatchObject([{ kind: 'relu' }, { kind: 'layernorm', name: 'ln/mean', groupSize: 6, epsilon: Math.fround(1e-5) }])
    expect(Array.from((ir.ops[1] as { gamma: Float64Array }).gamma)).toEqual(gamma.map(Math.fround))
  })

  it('recognises the decomposition without γ and β, with the ε and 2 as Constant nodes', async () => {
    const model = buildModel({
      opset: 13,
      input: { name: 'x', shape: [1, 3, 5] },
      output: { name: 'y' },
      nodes: [
        node('Relu', ['x'], ['h']),
        node('ReduceMean', ['h'], ['mu'], { attributes: [attr.ints('axes', [2])] }),
        node('Sub', ['h', 'mu'], ['d']),
        constant('two', [], [2]),
        node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { attributes: [attr.ints('axes', [2])] }),
        constant('eps', [], [1e-6]),
        node('Add', ['var', 'eps'], ['ve']),
        node('Sqrt', ['ve'], ['s']),
        node('Div', ['d', 's'], ['y']),
      ],
    })
    const ir = await expectParity(model, { name: 'layernorm-decomposed-bare', range: 3 })
    expect(ir.ops).toMatchObject([{ kind: 'relu' }, { kind: 'layernorm', groupSize: 5 }])
  })

  it('leaves a decomposition whose mean is read elsewhere alone (refused later as a ReduceMean of an activation, or imported by it)', () => {
    const model = buildModel({
      opset: 13,
      input: { name: 'x', shape: [1, 3, 5] },
      output: { name: 'y' },
      initializers: [tensor('two', [], [2]), tensor('eps', [], [1e-6])],
      nodes: [
        node('ReduceMean', ['x'], ['mu'], { attributes: [attr.ints('axes', [-1])] }),
        node('Sub', ['x', 'mu'], ['d']),
        node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { attributes: [attr.ints('axes', [-1])] }),
        node('Add', ['var', 'eps'], ['ve']),
        node('Sqrt', ['ve'], ['s']),
        node('Div', ['d', 's'], ['n']),
        node('Add', ['n', 'mu'], ['y']),
      ],
    })
    let kinds: string[] | undefined
    try {
      kinds = importOnnx(model).ops.map((op) => op.kind)
    } catch {
      kinds = undefined
    }
    expect(kinds ?? []).not.toContain('layernorm')
  })

  it('refuses a decomposition over a leading axis', () => {
    const model = buildModel({
      opset: 13,
      input: { name: 'x', shape: [1, 3, 5] },
      output: { name: 'y' },
      initializers: [tensor('two', [], [2]), tensor('eps', [], [1e-6])],
      nodes: [
        node('ReduceMean', ['x'], ['mu'], { name: 'ln', attributes: [attr.ints('axes', [1])] }),
        node('Sub', ['x', 'mu'], ['d']),
        node('Pow', ['d', 'two'], ['d2']),
        node('ReduceMean', ['d2'], ['var'], { attributes: [attr.ints('axes', [1])] }),
        node('Add', ['var', 'eps'], ['ve']),
        node('Sqrt', ['ve'], ['s']),
        node('Div', ['d', 's'], ['y']),
      ],
    })
    expect(() => importOnnx(model)).toThrow(/LayerNormalization node "ln".*not the trailing ones/)
  })
})

describe('Erf and GELU', () => {
  it('erf and gelu match their definitions to float32 precision', () => {
    for (const [x, e] of [[0, 0], [0.5, 0.5204998778], [1, 0.8427007929], [-2, -0.995322265], [3, 0.9999779095]] as const) expect(erf(x)).toBeCloseTo(e, 7)
    expect(gelu(1)).toBeCloseTo(0.8413447461, 7)
    expect(gelu(1, 'tanh')).toBeCloseTo(0.8411919906, 7)
  })

  it('imports Erf and Gelu (opset 20, exact and tanh) as ops of their own', async () => {
    const model = buildModel({
      opset: 20,
      input: { name: 'x', shape: [1, 12] },
      output: { name: 'y' },
      nodes: [node('Erf', ['x'], ['e']), node('Gelu', ['e'], ['g']), node('Gelu', ['g'], ['y'], { attributes: [attr.string('approximate', 'tanh')] })],
    })
    const ir = await expectParity(model, { name: 'erf-gelu-20', range: 3 })
    expect(ir.ops).toMatchObject([{ kind: 'erf' }, { kind: 'gelu', approximate: 'none' }, { kind: 'gelu', approximate: 'tanh' }])
  })

  it.each([
    ['torch order (x·a)·0.5, x/√2', (x: string) => [node('Div', [x, 'sqrt2'], ['s'], { name: 'gelu/div' }), node('Erf', ['s'], ['e'], { name: 'gelu/erf' }), node('Add', ['e', 'one'], ['a']), node('Mul', [x, 'a'], ['m']), node('Mul', ['m', 'half'], ['y'])]],
    ['(x·0.5)·a, x·(1/√2)', (x: string) => [node('Mul', [x, 'half'], ['hx']), node('Mul', [x, 'isqrt2'], ['s']), node('Erf', ['s'], ['e'], { name: 'gelu/erf' }), node('Add', ['one', 'e'], ['a']), node('Mul', ['hx', 'a'], ['y'])]],
    ['(a·0.5)·x', (x: string) => [node('Div', [x, 'sqrt2'], ['s']), node('Erf', ['s'], ['e'], { name: 'gelu/erf' }), node('Add', ['e', 'one'], ['a']), node('Mul', ['a', 'half'], ['ah']), node('Mul', [x, 'ah'], ['y'])]],
  ])('recognises GELU written as %s', async (label, nodes) => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 6] },
      output: { name: 'y' },
      initializers: [W(6, 6), tensor('sqrt2', [], [Math.SQRT2]), tensor('isqrt2', [], [Math.SQRT1_2]), tensor('one', [], [1]), tensor('half', [], [0.5])],
      nodes: [node('MatMul', ['x', 'W0'], ['h']), ...nodes('h')],
    })
    const ir = await expectParity(model, { name: `gelu-pattern-${label.length}`, range: 3 })
    expect(ir.ops).toMatchObject([{ kind: 'dense' }, { kind: 'gelu', name: 'gelu/erf', approximate: 'none' }])
  })

  it('keeps Erf alone when its surroundings are not GELU (another constant than 1/√2)', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 6] },
      output: { name: 'y' },
      initializers: [tensor('c', [], [2]), tensor('one', [], [1]), tensor('half', [], [0.5])],
      nodes: [node('Div', ['x', 'c'], ['s']), node('Erf', ['s'], ['e']), node('Add', ['e', 'one'], ['a']), node('Mul', ['a', 'half'], ['y'])],
    })
    const kinds = (await expectParity(model, { name: 'erf-not-gelu', range: 3 })).ops.map((op) => op.kind)
    expect(kinds).toContain('erf')
    expect(kinds).not.toContain('gelu')
  })
})
