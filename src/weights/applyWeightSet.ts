import { WeightSetError } from '../errors.js'
import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import { architectureHash } from './architectureOf.js'
import type { WeightSet } from './weightSetFile.js'

/**
 * The build's fixed-point model with the weights of `set`: same
 * architecture, other values. Checks the set belongs to this architecture
 * (hash, layer names, kinds and lengths). Value ranges are checked when the
 * commitment is computed (`commitWeights`) and by the circuit. Pure; needs no
 * Poseidon, so proving workers can call it.
 *
 * @throws {WeightSetError} saying what does not match.
 */
export function applyWeightSet(model: FixedPointModel, set: WeightSet, { source = 'the weight set' }: { source?: string } = {}): FixedPointModel {
  const expected = architectureHash(model)
  if (set.architecture !== expected) {
    throw new WeightSetError(`${source} belongs to another architecture.`, {
      details: `It was made for architecture ${set.architecture.slice(0, 16)}…, this build is ${expected.slice(0, 16)}…. Make the set for this build: \`glassbox weights <build> --model model.onnx --out weights.json\`.`,
    })
  }
  const byName = new Map(set.layers.map((l) => [l.name, l]))
  const layers = model.layers.map((layer): FixedLayer => {
    if (layer.kind !== 'dense' && layer.kind !== 'conv' && layer.kind !== 'affine') return layer
    const weights = byName.get(layer.name)
    byName.delete(layer.name)
    if (!weights || weights.kind !== layer.kind) {
      throw new WeightSetError(`${source} has no ${layer.kind} weights for layer "${layer.name}".`, { details: `Found: ${set.layers.map((l) => `${l.name} (${l.kind})`).join(', ')}.` })
    }
    const same = (field: string, got: readonly string[], want: readonly string[]) => {
      if (got.length !== want.length) throw new WeightSetError(`${source}: layer "${layer.name}" has ${got.length} ${field} values, the architecture takes ${want.length}.`)
      return [...got]
    }
    if (layer.kind === 'affine' && weights.kind === 'affine') return { ...layer, factor: same('factor', weights.factor, layer.factor), offset: same('offset', weights.offset, layer.offset) }
    if ((layer.kind === 'dense' || layer.kind === 'conv') && weights.kind !== 'affine') {
      return { ...layer, weight: same('weight', weights.weight, layer.weight), bias: same('bias', weights.bias, layer.bias) } as FixedLayer
    }
    throw new WeightSetError(`${source}: layer "${layer.name}" is ${layer.kind} in the build and ${weights.kind} in the set.`)
  })
  if (byName.size > 0) throw new WeightSetError(`${source} has weights for layers this build does not have: ${[...byName.keys()].join(', ')}.`)
  return { ...model, layers }
}
