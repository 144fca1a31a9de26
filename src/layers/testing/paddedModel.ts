/**
 * Test support: a fixed-point model whose two-tensor layer reads zero-padded
 * values (x [4] padded to 4×4 as `p`, and `q` = p reversed), so some operands
 * are constants circom can see and --O2 folds the products they enter.
 */
import type { FixedLayer, FixedPointModel } from '../../quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../quantize/fixedPointModel.js'

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
