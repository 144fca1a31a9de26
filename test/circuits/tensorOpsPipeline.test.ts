/**
 * Every op of the tensor-op set in one small ONNX graph, through the whole
 * compiler: Slice, Resize (nearest), Transpose, Gather and Split on
 * activations (permutes), Mul and Sub of two computed tensors (binary), a
 * MatMul of two activations (matmul), ReduceMean (dense) and a Gemm. The
 * import matches onnxruntime, fixed point tracks float, the circuit equals the
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

const ints = (name: string, values: number[], dims = [values.length]) => tensor(name, dims, values, { type: 'int64' })

const model = buildModel({
  input: { name: 'x', shape: [1, 2, 3, 4] },
  output: { name: 'y' },
  initializers: [
    ints('s0', [0]), ints('s1', [2]), ints('s3', [3]),
    tensor('up', [4], [1, 1, 1, 2]),
    ints('rows', [0, 2]),
    tensor('W', [3, 2], [0.5, -1, 1.5, 0.25, -0.75, 1]),
  ],
  nodes: [
    node('Relu', ['x'], ['r']),
    node('Slice', ['x', 's0', 's1', 's3'], ['half']), // [1, 2, 3, 2]
    node('Resize', ['half', '', 'up'], ['wide'], { attributes: [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')] }), // [1, 2, 3, 4]
    node('Mul', ['r', 'wide'], ['gated']), // binary mul
    node('Transpose', ['wide'], ['wideT'], { attributes: [attr.ints('perm', [0, 1, 3, 2])] }), // [1, 2, 4, 3]
    node('MatMul', ['gated', 'wideT'], ['scores']), // matmul [1, 2, 3, 3]
    node('Gather', ['scores', 'rows'], ['picked'], { attributes: [attr.int('axis', 2)] }), // [1, 2, 2, 3]
    node('Split', ['picked'], ['head0', 'head1'], { attributes: [attr.int('axis', 1)] }), // 2 × [1, 1, 2, 3]
    node('Sub', ['head0', 'head1'], ['diff']), // binary sub
    node('ReduceMean', ['diff'], ['pooled'], { attributes: [attr.ints('axes', [1, 2]), attr.int('keepdims', 0)] }), // [1, 3]
    node('Gemm', ['pooled', 'W'], ['y']), // [1, 2]
  ],
})

describe('the tensor ops through quantize and compile', () => {
  it('imports as onnxruntime computes; circuit = evaluator bit for bit; compiled constraints = estimate at --O1 and --O2', async () => {
    const ir = await expectParity(model, { name: 'tensor-ops-pipeline', tolerance: 1e-4 })
    expect(ir.ops.map((op) => op.kind)).toEqual(['relu', 'permute', 'permute', 'binary', 'permute', 'matmul', 'permute', 'permute', 'permute', 'binary', 'dense'])
    // ReduceMean is a dense with constant weights, so the fold merges it with the Gemm after it.
    expect(ir.ops.at(-1)!.name).toBe('ReduceMean_9+Gemm_10')
    const random = seededRandom(3)
    const calibration = Array.from({ length: 32 }, () => randomArray(random, 24, -2, 2))
    const fixed = quantizeModel(ir, { calibration, bits: 12 })
    for (const x of calibration.slice(0, 8)) {
      const float = evaluateFloat(ir, x).output
      const q = evaluateFixed(fixed, quantizeInput(fixed, x)).outputQ
      q.forEach((v, i) => expect(Math.abs(Number(v) / 2 ** fixed.output.scale - float[i]!)).toBeLessThan(0.05 * Math.max(1, Math.abs(float[i]!))))
    }
    const source = emitCircom(fixed, { inputVisibility: 'public', argmax: false })
    for (const O of [1, 2] as const) {
      const t = await compileTestCircuit(source, { optimization: O })
      expect(t.constraintCount, `--O${O}`).toBe(totalConstraints(estimateConstraints(fixed, { inputVisibility: 'public', argmax: false, optimization: O })))
      for (const x of calibration.slice(0, 6)) {
        const inputQ = quantizeInput(fixed, x)
        const expected = evaluateFixed(fixed, inputQ).outputQ
        const w = await t.expectPass({ in: inputQ, prover: 1 })
        expect(expected.map((_, i) => t.read(w, `main.out[${i}]`))).toEqual(expected)
      }
    }
  }, 600_000)
})
