import { WeightSetError } from '../errors.js'
import { weightArraysOf, withWeightArrays } from '../layers/weightFields.js'
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
    const current = weightArraysOf(layer)
    if (!current) return layer
    const weights = byName.get(layer.name)
    byName.delete(layer.name)
    if (!weights || weights.kind !== layer.kind) {
      throw new WeightSetError(`${source} has no ${layer.kind} weights for layer "${layer.name}".`, { details: `Found: ${set.layers.map((l) => `${l.name} (${l.kind})`).join(', ')}.` })
    }
    const { spec } = current
    const same = (field: string, want: readonly string[]) => {
      const got = (weights as Record<string, unknown>)[field] as readonly string[]
      if (got.length !== want.length) throw new WeightSetError(`${source}: layer "${layer.name}" has ${got.length} ${field} values, the architecture takes ${want.length}.`)
      return got
    }
    return withWeightArrays(layer, spec, same(spec.multiplier, current.multiplier), same(spec.addend, current.addend))
  })
  if (byName.size > 0) throw new WeightSetError(`${source} has weights for layers this build does not have: ${[...byName.keys()].join(', ')}.`)
  return { ...model, layers }
}
