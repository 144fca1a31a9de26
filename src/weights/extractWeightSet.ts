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
    if (layer.kind === 'dense' || layer.kind === 'conv') layers.push({ name: layer.name, kind: layer.kind, weight: [...layer.weight], bias: [...layer.bias] })
    else if (layer.kind === 'affine') layers.push({ name: layer.name, kind: 'affine', factor: [...layer.factor], offset: [...layer.offset] })
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
