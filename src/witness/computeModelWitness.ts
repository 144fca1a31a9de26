import type { Manifest, OutputPacking } from '../artifacts/manifest.js'
import { ArtifactError, InputError } from '../errors.js'
import { fromField } from '../field/fieldElement.js'
import type { WeightField } from '../layers/layerKind.js'
import { layerKindOf } from '../layers/layerTable.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerInputs } from '../quantize/fixedPointModel.js'
import type { WeightLayout } from '../weights/weightLayout.js'
import { weightLayout } from '../weights/weightLayout.js'
import {
  argMaxWitness,
  bindProverWitness,
  checkBits,
  inputHashWitness,
  inputRangeWitness,
  packedInputHashWitness,
  packWordWitness,
  saltedInputHashWitness,
} from './templates/glassboxTemplates.js'
import type { WitnessScope, WitnessSnapshot, WitnessValues } from './witnessScope.js'
import { createWitnessScope } from './witnessScope.js'

/** The choices `emitCircom` made for a build (read back from its manifest), which fix the main template's signals. */
export type CircuitShape = {
  inputVisibility: Manifest['input']['visibility']
  salted: boolean
  argmax: boolean
  /** The output words (`--output-signals packed`), or undefined for one public signal per output. */
  words: readonly OutputPacking[] | undefined
  /** The committed-weights layout, or undefined for constant weights. */
  layout: WeightLayout | undefined
}

/**
 * The circuit shape of a build folder's manifest (`model` is its model.json).
 * @throws {ArtifactError} for a packed word the manifest does not describe (a damaged manifest).
 */
export function circuitShapeOf(manifest: Manifest, model: FixedPointModel): CircuitShape {
  // The words as compile planned them, recorded with the public-signal layout.
  const packed = manifest.publicSignals.filter((s) => s.role === 'packedOutputs').sort((a, b) => a.position - b.position)
  const words = packed.map(({ position, packing }) => {
    if (!packing) throw new ArtifactError(`The manifest's packed word ${position} has no packing description.`, { details: 'The manifest is damaged; recompile the model.' })
    return packing
  })
  return {
    inputVisibility: manifest.input.visibility,
    salted: manifest.input.salted === true && manifest.input.visibility === 'hashed',
    argmax: manifest.output.argmax,
    words: words.length > 0 ? words : undefined,
    layout: manifest.weights.visibility === 'committed' ? weightLayout(model) : undefined,
  }
}

/** The circuit's input signals (what circom's witness calculator takes): field elements as decimal strings. */
export type ModelWitnessInput = { in: readonly string[]; prover: string; salt?: string; weights?: readonly string[] }

function fieldValues(values: readonly string[] | undefined, what: string, length: number): bigint[] {
  if (!values || values.length !== length) {
    throw new InputError(`The circuit takes ${length} ${what} value(s), got ${values?.length ?? 0}.`, { details: 'Build the input with circuitInput() for this build folder.' })
  }
  return values.map((v) => fromField(BigInt(v)))
}

/**
 * glassbox's own witness of a compiled model: the main template of
 * `emitCircom` mirrored line by line (input range check, every layer through
 * its kind's `witness`, argmax, output words, input hash, weight commitment,
 * prover binding), each signal under circom's name. Pure.
 * @returns the signal values, to be put in wire order by a {@link WitnessPlan}.
 * @throws {RangeOverflowError} where the circuit has no witness for this input.
 */
export function computeModelWitness(model: FixedPointModel, shape: CircuitShape, input: ModelWitnessInput, options: Parameters<typeof createWitnessScope>[0] = {}): WitnessValues {
  const main = createWitnessScope(options)
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  const outputSize = model.output.shape.reduce((a, b) => a * b, 1)
  const x = fieldValues(input.in, 'input', inputSize)
  const prover = BigInt(input.prover)
  main.signals('in', [inputSize]).fill(x)
  main.signal('prover', prover)
  const salt = shape.salted ? BigInt(input.salt ?? '0') : 0n
  if (shape.salted) main.signal('salt', salt)
  const weights = shape.layout ? fieldValues(input.weights, 'weight', shape.layout.values) : undefined
  if (weights) main.signals('weights', [weights.length]).fill(weights)

  inputRangeWitness(main.component('inputRange'), x, model.input.bits)
  const valueOf = new Map<string, readonly bigint[]>([[model.input.name, x]])
  model.layers.forEach((layer, index) => {
    const inputs = layerInputs(layer).map((name) => valueOf.get(name)!)
    const kind = layerKindOf(layer)
    const component = `layer${index}`
    let out: bigint[]
    if (shape.layout && kind.weights) {
      const layout = shape.layout
      const field = (name: WeightField) => {
        const segment = layout.segments.find((s) => s.layerIndex === index && s.field === name)!
        return weights!.slice(segment.start, segment.start + segment.count)
      }
      out = kind.weights.witnessCommitted(layer as never, inputs, main, { component, field })
    } else {
      out = kind.witness(layer as never, inputs, main, { component })
    }
    main.signals(`t${index}`, [out.length]).fill(out)
    valueOf.set(layer.output, out)
  })
  const out = valueOf.get(model.output.name)!
  main.signals('out', [outputSize]).fill(out)
  const predicted = shape.argmax ? BigInt(argMaxWitness(main.component('argmax'), out, model.output.bits)) : 0n
  if (shape.argmax) main.signal('predicted', predicted)
  if (shape.words) {
    const words = main.signals('packedOutputs', [shape.words.length])
    shape.words.forEach((word, j) => {
      const value = packWordWitness(main.component(`pack${j}`), out.slice(word.first, word.first + word.count), word.class ? predicted : 0n, word.bits, word.classBits)
      words.set(j, value)
    })
  }
  if (shape.inputVisibility === 'hashed') {
    const hasher = main.component('inputHasher')
    main.signal('inputHash', shape.salted ? saltedInputHashWitness(hasher, x, salt, model.input.bits) : packedInputHashWitness(hasher, x, model.input.bits))
  }
  if (shape.layout) main.signal('weightsCommitment', committedWeightsWitness(main, shape.layout, input.weights!, weights!))
  bindProverWitness(main.component('bindProver'), prover)
  return main.values
}

// The weight commitment's signals depend on the weight set only, which every inference of a
// prover shares (one `weights` array): its thousands of Poseidon values are computed once.
const commitments = new WeakMap<readonly string[], { snapshot: WitnessSnapshot; hash: bigint }>()

function committedWeightsWitness(main: WitnessScope, layout: WeightLayout, signals: readonly string[], weights: readonly bigint[]): bigint {
  const values = main.values
  const cached = commitments.get(signals)
  if (cached && !values.recording) {
    values.replay(cached.snapshot)
    return cached.hash
  }
  const start = values.size
  const hash = weightCommitmentWitness(main.component('weightCheck'), layout, weights)
  commitments.set(signals, { snapshot: values.snapshot(start, values.size), hash })
  return hash
}

/** `WeightCommitment(N, S, COUNT, WIDTH)` (circuits/committed.circom): every weight range-checked and packed, the packed elements Poseidon-chained. */
function weightCommitmentWitness(scope: WitnessScope, layout: WeightLayout, weights: readonly bigint[]): bigint {
  scope.signals('in', [weights.length]).fill(weights)
  const total = layout.segments.reduce((sum, s) => sum + s.count * s.bits, 0)
  const bits = scope.signals('bits', [total])
  const packed: bigint[] = []
  let used = 253
  let b = 0
  let v = 0
  for (const segment of layout.segments) {
    const w = segment.bits
    for (let i = 0; i < segment.count; i++, v++) {
      if (used + w > 253) {
        packed.push(0n)
        used = 0
      }
      const shifted = weights[v]! + (1n << BigInt(w - 1))
      checkBits(shifted, w, () => `${scope.path}.bits[${b}…]`)
      bits.setBits(b, shifted, w)
      packed[packed.length - 1] = packed[packed.length - 1]! + (shifted << BigInt(used))
      used += w
      b += w
    }
  }
  const hash = inputHashWitness(scope.component('chain'), packed)
  scope.signal('hash', hash)
  return hash
}
