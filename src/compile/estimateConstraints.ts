import { layerKindOf } from '../layers/layerTable.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import type { OutputPacking } from '../artifacts/manifest.js'
import { planOutputPacking } from '../artifacts/planOutputPacking.js'
import type { InputVisibility, OutputSignals, WeightVisibility } from './emitCircom.js'
import { estimateCommittedWeights } from './estimateCommittedWeights.js'

/** `macs`: the layer's multiply-accumulates, each one constraint, when its weights are committed (included in `constraints`). */
export type ConstraintReport = { name: string; kind: string; outputs: number; constraints: number; macs?: number }

// circomlib's partial-round counts for Poseidon with t = inputs + 1 (t = 2..17).
const POSEIDON_PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]
// Linear constraints circom --O1 keeps in circomlib's Poseidon(1..16) (measured with circom2 0.2.23).
const POSEIDON_LINEAR_O1 = [199, 274, 341, 436, 511, 610, 697, 766, 811, 958, 961, 1106, 1261, 1186, 1329, 1480]

/**
 * Constraints each part of the circuit costs (each layer's from its kind's
 * `constraints`, src/layers/): after circom's --O2 linear
 * simplification (only non-linear constraints remain; the default), or at
 * --O1, which keeps the linear ones (one per bit decomposition's sum and per
 * rescaled output). Tests check the totals against compiled R1CS files, so
 * this doubles as a regression check; it is also what the bit-width search
 * minimises.
 */
export function estimateConstraints(
  model: FixedPointModel,
  {
    inputVisibility = 'hashed',
    argmax = true,
    optimization = 2,
    weights = 'constant',
    outputSignals = 'separate',
    salt = false,
  }: { inputVisibility?: InputVisibility; argmax?: boolean; optimization?: 0 | 1 | 2; weights?: WeightVisibility; outputSignals?: OutputSignals; salt?: boolean } = {},
): ConstraintReport[] {
  const o1 = optimization < 2
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  const outputSize = model.output.shape.reduce((a, b) => a * b, 1)
  const B = model.output.bits
  const parts: ConstraintReport[] = [{ name: 'input range', kind: 'range', outputs: inputSize, constraints: inputSize * (model.input.bits + (o1 ? 2 : 0)) }]
  const committed = weights === 'committed' ? estimateCommittedWeights(model, { o1 }) : undefined
  // Which values circom sees are constant zeros (padding), carried from layer to layer by the kinds' constantMask.
  const constants = new Map<string, boolean[]>()
  const context = { o1, constantsOf: (tensor: string) => constants.get(tensor) }
  for (const layer of model.layers) {
    const kind = layerKindOf(layer)
    const macs = committed?.macs.get(layer.name)
    const constraints = kind.constraints(layer, context) + (macs ?? 0)
    parts.push({ name: layer.name, kind: kind.costKind(layer), outputs: kind.outputSize(layer), constraints, ...(macs ? { macs } : {}) })
    const mask = kind.constantMask?.(layer, kind.inputs(layer).map((name) => constants.get(name)))
    if (mask) constants.set(layer.output, mask)
  }
  // With one output the selector is the constant 1: circom drops a constraint.
  if (argmax) parts.push({ name: 'argmax', kind: 'argmax', outputs: 1, constraints: (o1 ? outputSize * (B + 5) + 2 : outputSize * (B + 3)) - (outputSize === 1 ? 1 : 0) })
  if (inputVisibility === 'hashed') {
    const packed = Math.ceil(inputSize / Math.floor(253 / model.input.bits))
    parts.push({ name: 'input hash', kind: 'poseidon', outputs: 1, constraints: poseidonChainConstraints(packed, o1) + (o1 ? packed : 0) })
    if (salt) parts.push({ name: 'input salt', kind: 'poseidon', outputs: 1, constraints: saltConstraints(o1) })
  }
  if (outputSignals === 'packed') {
    const words = planOutputPacking({ outputs: outputSize, bits: B, argmax })
    parts.push({ name: 'output packing', kind: 'packing', outputs: words.length, constraints: outputPackingConstraints(words, o1) })
  }
  if (committed) parts.push(...committed.parts)
  parts.push({ name: 'prover binding', kind: 'binding', outputs: 0, constraints: 1 })
  return parts
}

/** Constraints of the salt in SaltedInputHash: Poseidon(2) and the three of the salt = 0 switch. */
export function saltConstraints(o1 = false): number {
  return poseidonConstraints(2, o1) + 3
}

/** Constraints of the PackWord words of a packed layout: a range check per output, the class bits. */
export function outputPackingConstraints(words: readonly OutputPacking[], o1 = false): number {
  // --O1 keeps each decomposition's sum and input, the class decomposition's sum and the word (a tail wired to 0 folds away).
  return words.reduce((sum, w) => sum + w.count * (w.bits + (o1 ? 2 : 0)) + w.classBits + (o1 ? (w.classBits > 0 ? 1 : 0) + 1 : 0), 0)
}

export function totalConstraints(parts: readonly ConstraintReport[]): number {
  return parts.reduce((sum, p) => sum + p.constraints, 0)
}

/**
 * Constraints of circomlib's Poseidon(n): 3 per S-box (minus the last
 * round's unused ones after --O2), plus the linear ones --O1 keeps.
 */
export function poseidonConstraints(inputs: number, o1 = false): number {
  const t = inputs + 1
  const partial = POSEIDON_PARTIAL_ROUNDS[t - 2]
  if (partial === undefined) throw new RangeError(`Poseidon takes 1 to 16 inputs, not ${inputs}`)
  return o1 ? 3 * (8 * t + partial) + POSEIDON_LINEAR_O1[t - 2]! : 3 * (8 * t + partial) - 3
}

/** Constraints of the InputHash chain over n field elements. */
export function poseidonChainConstraints(n: number, o1 = false): number {
  const first = Math.min(16, n)
  let total = poseidonConstraints(first, o1)
  for (let start = first; start < n; start += 15) total += poseidonConstraints(Math.min(15, n - start) + 1, o1)
  return total
}
