import { layerKindOf } from '../layers/layerTable.js'
import { WeightSetError } from '../errors.js'
import type { ModelIR, Op } from '../model/ir.js'
import { opInputs } from '../model/ir.js'
import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerInputs } from '../quantize/fixedPointModel.js'

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
    const op = ops.get(layer.name)!
    if (layer.kind === 'dense' && op.kind === 'dense') return { ...layer, weight: weights(op.weight, layer.weightScale, model.weightBits, layer.name), bias: biases(op.bias, layer.scale + layer.shift, layer.shift) }
    if (layer.kind === 'conv' && op.kind === 'conv') return { ...layer, weight: weights(op.weight, layer.weightScale, model.weightBits, layer.name), bias: biases(op.bias, layer.scale + layer.shift, layer.shift) }
    if (layer.kind === 'affine' && op.kind === 'affine') return { ...layer, factor: weights(op.scale, layer.factorScale, model.weightBits, layer.name), offset: biases(op.shift, layer.scale + layer.shift, layer.shift) }
    return layer
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

// As the quantizer: the rounding offset 2^(shift−1) makes the floor division round to nearest.
function biases(values: Float64Array, scale: number, shift: number): string[] {
  const rounding = shift > 0 ? 1n << BigInt(shift - 1) : 0n
  return Array.from(values, (v) => (BigInt(Math.round(v * 2 ** scale)) + rounding).toString())
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
    const opKind = op.kind === 'sigmoid' || op.kind === 'tanh' || op.kind === 'gelu' || op.kind === 'erf' ? 'pwl' : op.kind
    if (opKind !== layer.kind) {
      problems.push(`layer "${layer.name}" is ${layer.kind} in the build, ${op.kind} in the new model`)
      continue
    }
    const at = `layer "${layer.name}"`
    same(`${at} inputs`, layerInputs(layer), opInputs(op))
    if ('relu' in layer && layer.relu) fusedExpected++
    if (layer.kind === 'conv' && layer.pool) fusedExpected++
    shapeDifferences(layer, op, at, same)
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

function shapeDifferences(layer: FixedLayer, op: Op, at: string, same: (what: string, a: unknown, b: unknown) => void): void {
  if (layer.kind === 'dense' && op.kind === 'dense') same(`${at} shape [out, in]`, [layer.outFeatures, layer.inFeatures], [op.outFeatures, op.inFeatures])
  if (layer.kind === 'conv' && op.kind === 'conv') {
    same(`${at} geometry`, [layer.inShape, layer.convShape, layer.kernel, layer.stride, layer.pads, layer.group], [op.inShape, op.outShape, op.kernel, op.stride, op.pads, op.group])
  }
  if (layer.kind === 'affine' && op.kind === 'affine') same(`${at} size`, layer.size, op.scale.length)
  if ((layer.kind === 'maxpool' && op.kind === 'maxpool') || (layer.kind === 'pad' && op.kind === 'pad')) same(`${at} geometry`, [layer.inShape, layer.outShape, layer.pads], [op.inShape, op.outShape, op.pads])
  if (layer.kind === 'maxpool' && op.kind === 'maxpool') same(`${at} window`, [layer.kernel, layer.stride], [op.kernel, op.stride])
  if (layer.kind === 'permute' && op.kind === 'permute') same(`${at} permutation`, layer.source, Array.from(op.source))
  if (layer.kind === 'concat' && op.kind === 'concat') same(`${at} layout`, layer.source.flat(), Array.from(op.source))
  if (layer.kind === 'pwl' && (op.kind === 'sigmoid' || op.kind === 'tanh' || op.kind === 'gelu' || op.kind === 'erf')) same(`${at} function`, layer.fn, op.kind)
  if (layer.kind === 'softmax' || layer.kind === 'layernorm') layerKindOf(layer).compareStructure(layer, op, (what, a, b) => same(`${at} ${what}`, a, b))
  if (layer.kind === 'clip' && op.kind === 'clip') {
    const bound = (v: number) => (Number.isFinite(v) ? String(Math.max(-(2 ** (layer.bits - 1)), Math.min(2 ** (layer.bits - 1) - 1, Math.round(v * 2 ** layer.scale)))) : null)
    same(`${at} bounds`, [layer.min, layer.max], [bound(op.min), bound(op.max)])
  }
  if (layer.kind === 'leakyrelu' && op.kind === 'leakyrelu') same(`${at} slope`, layer.alpha, String(Math.round(op.alpha * 2 ** layer.alphaShift)))
}
