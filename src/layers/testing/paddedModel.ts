/**
 * Test support: a fixed-point model whose two-tensor layer reads zero-padded
 * values (x [4] padded to 4×4 as `p`, and `q` = p reversed), so some operands
 * are constants circom can see and --O2 folds the products they enter.
 */
import { expect } from 'vitest'
import { compileTestCircuit } from '../../../test/support/circuitTester.js'
import { evaluateFixed } from '../../quantize/evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from '../../quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../quantize/fixedPointModel.js'
import { twoTensorCircuit, twoTensorCost } from './twoTensorModel.js'

/** `x → p = pad(x) → q = reverse(p) → layer(…) → y`; the layer reads any of x, p, q. */
export function paddedModel(layer: FixedLayer, outputSize: number): FixedPointModel {
  return {
    format: FIXED_POINT_FORMAT, name: 'padded', bits: 6, weightBits: 6,
    input: { name: 'x', shape: [4], scale: 0, bits: 6 },
    output: { name: 'y', shape: [outputSize], scale: layer.scale, bits: layer.bits },
    layers: [
      { kind: 'pad', name: 'P', input: 'x', output: 'p', scale: 0, bits: 6, inShape: [1, 2, 2], outShape: [1, 4, 4], pads: [1, 1, 1, 1] },
      { kind: 'permute', name: 'Q', input: 'p', output: 'q', scale: 0, bits: 6, source: Array.from({ length: 16 }, (_, i) => 15 - i) },
      layer,
    ],
    droppedOutputOps: [], calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}

/**
 * Compiles a padded model at --O1 and --O2 and requires, at each, the R1CS to
 * cost exactly the estimate (with its folded products) and the circuit's
 * outputs to equal the integer evaluator on one input.
 */
export async function expectPaddedCircuit(model: FixedPointModel): Promise<void> {
  for (const O of [1, 2] as const) {
    const t = await compileTestCircuit(twoTensorCircuit(model), { optimization: O })
    expect(t.constraintCount, `--O${O}`).toBe(twoTensorCost(model, O).total)
    const x = [5n, -7n, 31n, -32n]
    const expected = evaluateFixed(model, x).outputQ
    const w = await t.expectPass({ in: x, prover: 1 })
    expect(expected.map((_, i) => t.read(w, `main.out[${i}]`))).toEqual(expected)
  }
}
