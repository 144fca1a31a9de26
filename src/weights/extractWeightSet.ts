import { weightArraysOf } from '../layers/weightFields.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { architectureHash } from './architectureOf.js'
import { commitWeights } from './commitWeights.js'
import type { LayerWeights, WeightSet } from './weightSetFile.js'
import { WEIGHT_SET_FORMAT } from './weightSetFile.js'

export type ExtractWeightSetOptions = {
  /** Where the weights came from (recorded in the file). */
  source?: { file: string; sha256?: string }
}

/**
 * The weight set of a fixed-point model, with its commitment (as proven by
 * a committed-weights circuit of this architecture).
 *
 * @throws {WeightSetError} when a value is outside its width.
 * @example
 * const set = await extractWeightSet(model, { source: { file: 'model.onnx' } })
 */
export async function extractWeightSet(model: FixedPointModel, { source = { file: 'model.json' } }: ExtractWeightSetOptions = {}): Promise<WeightSet> {
  const layers: LayerWeights[] = []
  for (const layer of model.layers) {
    const weights = weightArraysOf(layer)
    if (!weights) continue
    // The file's entry: the kind and its two arrays under the layer's own field names (weightSetSchema).
    layers.push({ name: layer.name, kind: layer.kind, [weights.spec.multiplier]: [...weights.multiplier], [weights.spec.addend]: [...weights.addend] } as LayerWeights)
  }
  return {
    format: WEIGHT_SET_FORMAT,
    architecture: architectureHash(model),
    commitment: (await commitWeights(model)).toString(),
    source,
    createdAt: new Date().toISOString(),
    layers,
  }
}
