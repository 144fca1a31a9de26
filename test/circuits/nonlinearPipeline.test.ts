/**
 * The nonlinear ops in one small ONNX graph, through the whole compiler:
 * Softmax on a middle axis (opset 13) and on the last, LayerNormalization
 * (opset 17), torch's Erf-based GELU pattern and Erf on its own. The import
 * matches onnxruntime, fixed point tracks float, the circuit equals the
 * integer evaluator bit for bit and its compiled constraint count (--O1 and
 * --O2) is the estimate.
 */
import { describe, expect, it } from 'vitest'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { estimateConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { evaluateFloat } from '../../src/model/evaluateFloat.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import { quantizeInput } from '../../src/quantize/quantizeInput.js'
import { quantizeModel } from '../../src/quantize/quantizeModel.js'
import { attr, buildModel, node, randomArray, seededRandom, tensor } from '../support/buildOnnx.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import { expectParity } from '../support/onnxParity.js'

const model = buildModel({
  opset: 17,
  input: { name: 'x', shape: [1, 3, 4] },
  output: { name: 'y' },
  initializers: [
    tensor('g', [4], [1, -0.5, 0.75, 1.25]),
    tensor('b', [4], [0, 0.25, -0.5, 0.1]),
    tensor('sqrt2', [], [Math.SQRT2]),
    tensor('one', [], [1]),
    tensor('half', [], [0.5]),
    tensor('W', [4, 2], [0.5, -1, 1.5, 0.25, -0.75, 1, 0.3, -0.2]),
  ],
  nodes: [
    node('Softmax', ['x'], ['p'], { attributes: [attr.int('axis', 1)] }), // groups of 3, 4 apart
    node('Add', ['x', 'p'], ['h']),
    node('LayerNormalization', ['h', 'g', 'b'], ['n'], { attributes: [attr.float('epsilon', 1e-5)] }),
    node('Div', ['n', 'sqrt2'], ['s']),
    node('Erf', ['s'], ['e']),
    node('Add', ['e', 'one'], ['a']),
    node('Mul', ['n', 'a'], ['m']),
    node('Mul', ['m', 'half'], ['gelu']),
    node('Erf', ['gelu'], ['erf']),
    node('Softmax', ['erf'], ['q']), // last axis: groups of 4
    node('MatMul', ['q', 'W'], ['y']), // [1, 3, 2]
  ],
})

describe('the nonlinear ops through quantize and compile', () => {
  it('imports as onnxruntime computes; circuit = evaluator bit for bit; compiled constraints = estimate at --O1 and --O2', async () => {
    const ir = await expectParity(model, { name: 'nonlinear-pipeline', tolerance: 1e-4 })
    expect(ir.ops.map((op) => op.kind)).toEqual(['softmax', 'binary', 'layernorm', 'gelu', 'erf', 'softmax', 'dense'])
    const random = seededRandom(9)
    const calibration = Array.from({ length: 32 }, () => randomArray(random, 12, -2, 2))
    const fixed = quantizeModel(ir, { calibration, bits: 10 })
    expect(fixed.layers.map((l) => l.kind)).toEqual(['softmax', 'binary', 'layernorm', 'pwl', 'pwl', 'softmax', 'dense'])
    for (const x of calibration.slice(0, 8)) {
      const float = evaluateFloat(ir, x).output
      const q = evaluateFixed(fixed, quantizeInput(fixed, x)).outputQ
      q.forEach((v, i) => expect(Math.abs(Number(v) / 2 ** fixed.output.scale - float[i]!)).toBeLessThan(0.08))
    }
    const source = emitCircom(fixed, { inputVisibility: 'public', argmax: false })
    expect(source).toContain('include "nonlinear.circom";')
    // With committed weights, γ/β and the exp/GELU fits stay circuit constants (they are not a weight set).
    expect(emitCircom(fixed, { weights: 'committed' })).toContain('component layer2g0 = LayerNormGroup(')
    for (const O of [1, 2] as const) {
      const t = await compileTestCircuit(source, { optimization: O })
      expect(t.constraintCount, `--O${O}`).toBe(totalConstraints(estimateConstraints(fixed, { inputVisibility: 'public', argmax: false, optimization: O })))
      for (const x of calibration.slice(0, 4)) {
        const inputQ = quantizeInput(fixed, x)
        const expected = evaluateFixed(fixed, inputQ).outputQ
        const w = await t.expectPass({ in: inputQ, prover: 1 })
        expect(expected.map((_, i) => t.read(w, `main.out[${i}]`))).toEqual(expected)
      }
    }
  }, 600_000)
})
