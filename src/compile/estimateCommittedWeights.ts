import { layerKindOf } from '../layers/layerTable.js'
import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import { weightLayout } from '../weights/weightLayout.js'
import type { ConstraintReport } from './estimateConstraints.js'
import { poseidonChainConstraints } from './estimateConstraints.js'

export type CommittedWeightConstraints = {
  /** Products (one constraint each) a layer adds when its weights are signals, by layer name. */
  macs: Map<string, number>
  /** The weight range checks and the in-circuit commitment. */
  parts: ConstraintReport[]
}

/**
 * What committed weights add to a circuit: one constraint per
 * multiply-accumulate (a signal times a signal), the range check of every
 * weight value (its width in bits after --O2, one more at --O1) and the
 * Poseidon chain over the packed values (plus one linear constraint per
 * packed element at --O1). Exact: tests compare it with compiled R1CS files.
 */
export function estimateCommittedWeights(model: FixedPointModel, { o1 = false }: { o1?: boolean } = {}): CommittedWeightConstraints {
  const macs = new Map<string, number>()
  for (const layer of model.layers) {
    const count = multiplyAccumulates(layer)
    if (count > 0) macs.set(layer.name, count)
  }
  const layout = weightLayout(model)
  const rangeBits = layout.segments.reduce((sum, s) => sum + s.count * s.bits, 0)
  return {
    macs,
    parts: [
      { name: 'weight range', kind: 'range', outputs: layout.values, constraints: rangeBits + (o1 ? layout.values : 0) },
      { name: 'weight commitment', kind: 'poseidon', outputs: 1, constraints: poseidonChainConstraints(layout.elements, o1) + (o1 ? layout.elements : 0) },
    ],
  }
}

/** Multiply-accumulates of a layer with weights: products of a weight and an in-image input (padding costs nothing); 0 for other layers. */
export function multiplyAccumulates(layer: FixedLayer): number {
  return layerKindOf(layer).weights?.multiplyAccumulates(layer) ?? 0
}
