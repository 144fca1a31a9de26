import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import type { InputVisibility } from './emitCircom.js'

export type ConstraintReport = { name: string; kind: string; outputs: number; constraints: number }

// circomlib's partial-round counts for Poseidon with t = inputs + 1 (t = 2..17).
const POSEIDON_PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]

/**
 * Constraints each part of the circuit costs after circom's --O2 linear
 * simplification (non-linear constraints only). A test checks the total
 * against the compiled R1CS, so this doubles as a regression check.
 */
export function estimateConstraints(
  model: FixedPointModel,
  { inputVisibility = 'hashed', argmax = true }: { inputVisibility?: InputVisibility; argmax?: boolean } = {},
): ConstraintReport[] {
  const B = model.bits
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  const outputSize = model.output.shape.reduce((a, b) => a * b, 1)
  const parts: ConstraintReport[] = [{ name: 'input range', kind: 'range', outputs: inputSize, constraints: inputSize * B }]
  for (const layer of model.layers) parts.push({ name: layer.name, kind: layer.kind + (isRelu(layer) ? '+relu' : ''), outputs: outputsOf(layer), constraints: layerConstraints(layer, B) })
  if (argmax) parts.push({ name: 'argmax', kind: 'argmax', outputs: 1, constraints: outputSize * (B + 3) })
  if (inputVisibility === 'hashed') parts.push({ name: 'input hash', kind: 'poseidon', outputs: 1, constraints: poseidonChainConstraints(inputSize) })
  parts.push({ name: 'prover binding', kind: 'binding', outputs: 0, constraints: 1 })
  return parts
}

function isRelu(layer: FixedLayer): boolean {
  return layer.kind !== 'relu' && layer.relu
}

function outputsOf(layer: FixedLayer): number {
  return layer.kind === 'dense' ? layer.outFeatures : layer.size
}

function layerConstraints(layer: FixedLayer, B: number): number {
  switch (layer.kind) {
    case 'dense':
      return layer.outFeatures * (layer.shift + B + (layer.relu ? 1 : 0))
    case 'affine':
      return layer.size * (layer.shift + B + (layer.relu ? 1 : 0))
    case 'relu':
      return layer.size * (B + 1)
    default:
      return layer satisfies never
  }
}

/** Non-linear constraints of circomlib's Poseidon(n): 3 per S-box, minus the last round's unused ones. */
export function poseidonConstraints(inputs: number): number {
  const t = inputs + 1
  const partial = POSEIDON_PARTIAL_ROUNDS[t - 2]
  if (partial === undefined) throw new RangeError(`Poseidon takes 1 to 16 inputs, not ${inputs}`)
  return 3 * (8 * t + partial) - 3
}

function poseidonChainConstraints(n: number): number {
  const first = Math.min(16, n)
  let total = poseidonConstraints(first)
  for (let start = first; start < n; start += 15) total += poseidonConstraints(Math.min(15, n - start) + 1)
  return total
}
