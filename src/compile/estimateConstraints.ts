import type { FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerOutputSize } from '../quantize/fixedPointModel.js'
import { forEachWindow, padSources } from '../model/windows.js'
import type { OutputPacking } from '../artifacts/manifest.js'
import { planOutputPacking } from '../artifacts/planOutputPacking.js'
import type { InputVisibility, OutputSignals, WeightVisibility } from './emitCircom.js'
import { estimateCommittedWeights } from './estimateCommittedWeights.js'
import { layerKindOf } from '../layers/layerTable.js'

/** `macs`: the layer's multiply-accumulates, each one constraint, when its weights are committed (included in `constraints`). */
export type ConstraintReport = { name: string; kind: string; outputs: number; constraints: number; macs?: number }

// circomlib's partial-round counts for Poseidon with t = inputs + 1 (t = 2..17).
const POSEIDON_PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]
// Linear constraints circom --O1 keeps in circomlib's Poseidon(1..16) (measured with circom2 0.2.23).
const POSEIDON_LINEAR_O1 = [199, 274, 341, 436, 511, 610, 697, 766, 811, 958, 961, 1106, 1261, 1186, 1329, 1480]

/**
 * Constraints each part of the circuit costs: after circom's --O2 linear
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
  const constants = constantPositions(model)
  const committed = weights === 'committed' ? estimateCommittedWeights(model, { o1 }) : undefined
  for (const layer of model.layers) {
    const macs = committed?.macs.get(layer.name)
    const constraints = layerConstraints(layer, o1) - foldedComparisons(layer, o1, constants) + (macs ?? 0)
    parts.push({ name: layer.name, kind: kindOf(layer), outputs: layerOutputSize(layer), constraints, ...(macs ? { macs } : {}) })
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
 * Which elements of each tensor are constant zeros (padding wired in by a
 * `pad` layer, carried through permutations and concatenations).
 */
function constantPositions(model: FixedPointModel): Map<string, boolean[]> {
  const masks = new Map<string, boolean[]>()
  const maskOf = (name: string, size: number) => masks.get(name) ?? new Array<boolean>(size).fill(false)
  for (const layer of model.layers) {
    if (layer.kind === 'pad') {
      const input = maskOf(layer.input, layer.inShape[0] * layer.inShape[1] * layer.inShape[2])
      masks.set(layer.output, Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source) => source < 0 || input[source]!))
    } else if (layer.kind === 'permute' && masks.has(layer.input)) {
      const input = masks.get(layer.input)!
      masks.set(layer.output, layer.source.map((s) => input[s]!))
    } else if (layer.kind === 'concat' && layer.inputs.some((name) => masks.has(name))) {
      masks.set(layer.output, layer.source.map(([which, at]) => masks.get(layer.inputs[which]!)?.[at] ?? false))
    }
  }
  return masks
}

/**
 * Max-pool comparisons whose difference circom can see is zero (a window
 * with one real position repeats it; two constant padding zeros) lose their
 * product under --O2: the select becomes linear and is simplified away.
 * (--O1 keeps it, as a linear constraint.)
 */
function foldedComparisons(layer: FixedLayer, o1: boolean, constants: Map<string, boolean[]>): number {
  if (o1) return 0
  if (layer.kind === 'conv' && layer.pool) {
    const window = layer.pool.kernel[0] * layer.pool.kernel[1]
    let folded = 0
    forEachWindow({ ...layer.pool, inShape: layer.convShape }, (positions) => {
      if (positions.length === 1) folded += window - 1
    })
    return folded
  }
  if (layer.kind === 'maxpool') {
    const window = layer.kernel[0] * layer.kernel[1]
    const mask = constants.get(layer.input)
    let folded = 0
    forEachWindow(layer, (positions) => {
      if (positions.length === 1) {
        folded += window - 1
        return
      }
      const padded = [...positions, ...new Array<number>(window - positions.length).fill(positions[0]!)]
      let runningConstant = mask?.[padded[0]!] ?? false
      for (let t = 1; t < window; t++) {
        if (runningConstant && (mask?.[padded[t]!] ?? false)) folded++
        else runningConstant = false
      }
    })
    return folded
  }
  return 0
}

function kindOf(layer: FixedLayer): string {
  switch (layer.kind) {
    case 'dense':
    case 'affine':
      return layer.kind + (layer.relu ? '+relu' : '')
    case 'conv':
      return `conv${layer.pool ? '+maxpool' : ''}${layer.relu ? '+relu' : ''}`
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).costKind(layer)
    default:
      return layer.kind
  }
}

function layerConstraints(layer: FixedLayer, o1: boolean): number {
  const outputs = layerOutputSize(layer)
  // --O1 keeps each decomposition's sum and each linear output.
  const sum = o1 ? 1 : 0
  const rescale = (l: { shift: number; bits: number; relu: boolean }) => l.shift + l.bits + (l.relu ? 1 : 0) + (o1 ? (l.relu ? 1 : 2) : 0)
  switch (layer.kind) {
    case 'dense':
    case 'affine':
      return outputs * rescale(layer)
    case 'conv': {
      // Each max of two accumulators: a (shift + bits + 1)-bit decomposition and one product.
      const comparisons = layer.pool ? layer.pool.kernel[0] * layer.pool.kernel[1] - 1 : 0
      return outputs * (comparisons * (layer.shift + layer.bits + 2 + sum) + rescale(layer))
    }
    case 'relu':
      return outputs * (layer.bits + 1 + 2 * sum)
    case 'maxpool':
      return outputs * (layer.kernel[0] * layer.kernel[1] - 1) * (layer.bits + 2 + sum)
    case 'clip':
      return outputs * ((layer.min === null ? 0 : layer.bits + 2 + sum) + (layer.max === null ? 0 : layer.bits + 2 + sum))
    case 'leakyrelu':
      return outputs * (2 * layer.bits + layer.alphaShift + 1 + 2 * sum)
    case 'pwl':
      return outputs * (layer.knots.length * (layer.inputBits + 2 + sum) + rescale({ ...layer, relu: false }))
    case 'pad':
    case 'permute':
    case 'concat':
      return 0
    case 'softmax':
    case 'layernorm':
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).constraints(layer, { o1, constantsOf: () => undefined })
    default:
      return layer satisfies never
  }
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
