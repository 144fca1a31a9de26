/**
 * Test support for layer kinds that read two computed tensors (binary,
 * matmul): a fixed-point model whose input x is split by two permutes
 * (wiring, no constraints) into a and b, then the layer under test, so the
 * integer evaluator is the reference, the emitted circuit the real one and
 * estimateConstraints its cost.
 */
import { emitCircom } from '../../compile/emitCircom.js'
import { estimateConstraints, totalConstraints } from '../../compile/estimateConstraints.js'
import type { FixedLayer, FixedPointModel } from '../../quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../quantize/fixedPointModel.js'

export type TwoTensorModelParameters = {
  /** The layer under test; it must read `['a', 'b']` and write `y`. */
  layer: FixedLayer
  sizeA: number
  sizeB: number
  /** Input width B (also a's and b's). */
  bits: number
  /** Scales of a and b (the permutes keep the input scale, so both equal it unless given). */
  scales?: [number, number]
}

/** A model `x → (a, b) → layer → y`; a = x[0..sizeA), b = x[sizeA..sizeA+sizeB). */
export function twoTensorModel({ layer, sizeA, sizeB, bits }: TwoTensorModelParameters): FixedPointModel {
  const permute = (name: string, output: string, from: number, count: number): FixedLayer => ({
    kind: 'permute', name, input: 'x', output, scale: 0, bits, source: Array.from({ length: count }, (_, i) => from + i),
  })
  const outputSize = layerSize(layer)
  return {
    format: FIXED_POINT_FORMAT,
    name: 'two-tensor',
    bits,
    weightBits: bits,
    input: { name: 'x', shape: [sizeA + sizeB], scale: 0, bits },
    output: { name: 'y', shape: [outputSize], scale: layer.scale, bits: layer.bits },
    layers: [permute('pa', 'a', 0, sizeA), permute('pb', 'b', sizeA, sizeB), layer],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}

function layerSize(layer: FixedLayer): number {
  if (layer.kind === 'binary') return layer.outShape.reduce((p, d) => p * d, 1)
  if (layer.kind === 'matmul') return layer.batch.reduce((p, d) => p * d, 1) * layer.m * layer.n
  throw new Error(`twoTensorModel: ${layer.kind} is not a two-tensor layer`)
}

/** The model's circuit source: public input (no hash), no argmax, so the layer is all there is to pay for. */
export function twoTensorCircuit(model: FixedPointModel): string {
  return emitCircom(model, { inputVisibility: 'public', argmax: false })
}

/** The estimate of the same circuit at --O1 or --O2. */
export function twoTensorCost(model: FixedPointModel, optimization: 1 | 2): { total: number; layer: number } {
  const parts = estimateConstraints(model, { inputVisibility: 'public', argmax: false, optimization })
  return { total: totalConstraints(parts), layer: parts.find((p) => p.name === model.layers[2]!.name)!.constraints }
}
