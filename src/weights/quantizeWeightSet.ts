import { WeightSetError } from '../errors.js'
import { layerKindOf, opLayerKinds } from '../layers/layerTable.js'
import { addendInts } from '../layers/parts/rescale.js'
import { weightArraysOf, withWeightArrays } from '../layers/weightFields.js'
import type { ModelIR } from '../model/ir.js'
import { opInputs } from '../model/ir.js'
import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'

/**
 * Quantizes the weights of a float model (e.g. a fine-tune) at the scales of
 * an existing fixed-point architecture, giving that architecture's model
 * with the new weights. Nothing of the architecture is re-chosen: weights at
 * each layer's weight scale, biases at its accumulator scale with the same
 * rounding offset as the quantizer, so the circuit built for the original
 * model proves the new one unchanged.
 *
 * The float model must have exactly the same architecture: the same layers
 * by name, kind, shape and wiring, the same activations fused into them. Pure.
 *
 * @param ir The float model (from `importOnnx`).
 * @param model The build's fixed-point model (the architecture).
 * @returns The architecture's fixed-point model with the weights of `ir`.
 * @throws {WeightSetError} listing what differs, or naming the weight that no longer fits the architecture's range.
 */
export function quantizeWeightSet(ir: ModelIR, model: FixedPointModel): FixedPointModel {
  const problems = structuralDifferences(ir, model)
  if (problems.length) {
    throw new WeightSetError(`${ir.name} does not have the architecture of the build (${model.name}).`, {
      details: `${problems.slice(0, 8).join('\n')}\nA weight set must come from the same network with other weight values (a fine-tune); compile a new build for a different network.`,
    })
  }
  const ops = new Map(ir.ops.map((op) => [op.name, op]))
  const layers = model.layers.map((layer): FixedLayer => {
    const spec = weightArraysOf(layer)?.spec
    const float = spec?.floatWeights(ops.get(layer.name)!)
    if (!spec || !float) return layer
    const shift = spec.shift(layer)
    return withWeightArrays(layer, spec, weights(float.multiplier, spec.multiplierScale(layer), model.weightBits, layer.name), addendInts(float.addend, layer.scale + shift, shift))
  })
  return { ...model, layers }
}

function weights(values: Float64Array, scale: number, bits: number, layer: string): string[] {
  const limit = 2 ** (bits - 1) - 1
  return Array.from(values, (v, i) => {
    const q = Math.round(v * 2 ** scale)
    if (Math.abs(q) > limit) {
      throw new WeightSetError(`Weight ${i} of layer "${layer}" (${v}) does not fit the architecture's ${bits}-bit weights at scale 2^${scale}.`, {
        details: `The architecture holds weights up to ±${limit / 2 ** scale} in this layer. The new model's weights grew beyond it: compile it as a new build (its own architecture), or keep fine-tuned weights within the original range.`,
      })
    }
    return BigInt(q).toString()
  })
}

/** What keeps `ir` from being the architecture of `model`, as readable lines (empty when it is). */
export function structuralDifferences(ir: ModelIR, model: FixedPointModel): string[] {
  const problems: string[] = []
  const same = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${what}: build ${JSON.stringify(a)}, new model ${JSON.stringify(b)}`)
  }
  same('input shape', model.input.shape, [...ir.input.shape])
  same('output shape', model.output.shape, [...ir.output.shape])
  const ops = new Map(ir.ops.map((op) => [op.name, op]))
  let fusedExpected = 0
  for (const layer of model.layers) {
    const op = ops.get(layer.name)
    if (!op) {
      problems.push(`layer "${layer.name}" (${layer.kind}) is missing from the new model`)
      continue
    }
    if (opLayerKinds[op.kind] !== layer.kind) {
      problems.push(`layer "${layer.name}" is ${layer.kind} in the build, ${op.kind} in the new model`)
      continue
    }
    const at = `layer "${layer.name}"`
    const kind = layerKindOf(layer)
    const inputs = kind.inputs(layer)
    if (inputs.length === 1) same(`${at} input tensor`, inputs[0], opInputs(op)[0])
    else same(`${at} inputs`, inputs, opInputs(op))
    fusedExpected += kind.fusedOps?.(layer) ?? 0
    kind.compareStructure(layer, op, same)
  }
  const layerNames = new Set(model.layers.map((l) => l.name))
  const extra = ir.ops.filter((op) => !layerNames.has(op.name))
  const unfusable = extra.filter((op) => op.kind !== 'relu' && op.kind !== 'maxpool')
  for (const op of unfusable) problems.push(`the new model has a ${op.kind} layer "${op.name}" the build does not have`)
  if (unfusable.length === 0 && extra.length !== fusedExpected) {
    problems.push(`the build fuses ${fusedExpected} ReLU/max-pool op(s) into its layers, the new model has ${extra.length} (${extra.map((op) => op.name).join(', ') || 'none'})`)
  }
  return problems
}
