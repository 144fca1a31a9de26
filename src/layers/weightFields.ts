import type { LayerWeights, WeightField } from './layerKind.js'
import type { FixedLayer } from './layerTable.js'
import { layerKindOf } from './layerTable.js'

/** A layer's weight set: its kind's weight spec and the current values of its multiplier and addend arrays. */
export type LayerWeightArrays = {
  spec: LayerWeights<FixedLayer>
  multiplier: readonly string[]
  addend: readonly string[]
}

/** The weight arrays of a layer whose kind has weights (dense, conv, affine, …); undefined for the others. */
export function weightArraysOf(layer: FixedLayer): LayerWeightArrays | undefined {
  const spec = layerKindOf(layer).weights as LayerWeights<FixedLayer> | undefined
  if (!spec) return undefined
  return { spec, multiplier: fieldOf(layer, spec.multiplier), addend: fieldOf(layer, spec.addend) }
}

/** The layer with its weight arrays replaced (same architecture, other values). */
export function withWeightArrays<L extends FixedLayer>(layer: L, spec: LayerWeights<FixedLayer>, multiplier: readonly string[], addend: readonly string[]): L {
  return { ...layer, [spec.multiplier]: [...multiplier], [spec.addend]: [...addend] }
}

/** One weight array of a layer, by field name. */
export function fieldOf(layer: FixedLayer, field: WeightField): readonly string[] {
  const values = (layer as Record<string, unknown>)[field]
  if (!Array.isArray(values)) throw new Error(`layer ${layer.name} (${layer.kind}) has no ${field} array`)
  return values as string[]
}
