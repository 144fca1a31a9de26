import type { CircomLibraryFile } from '../layers/circomTemplate.js'
import { layerKindOf } from '../layers/layerTable.js'
import { planOutputPacking } from '../artifacts/planOutputPacking.js'
import { checkFixedPointWidths } from '../quantize/checkFixedPointWidths.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerInputs } from '../quantize/fixedPointModel.js'
import { weightLayout } from '../weights/weightLayout.js'
import { committedSegment, emitWeightCommitment } from './emitCommittedWeights.js'

export type InputVisibility = 'hashed' | 'public' | 'private'
/** `constant`: weights are circuit constants; `committed`: private signals with a public Poseidon commitment (one circuit per architecture). */
export type WeightVisibility = 'constant' | 'committed'

/** `separate`: one public signal per output and one for the class; `packed`: as few words as fit (see `planOutputPacking`). */
export type OutputSignals = 'separate' | 'packed'

export type EmitCircomOptions = {
  inputVisibility?: InputVisibility
  /** Default `separate`; `glassbox compile` packs. */
  outputSignals?: OutputSignals
  /** With a hashed input: take a private `salt` and prove `SaltedInputHash` (h when salt = 0). Default false; `glassbox compile` salts. */
  salt?: boolean
  /** Add an ArgMax of the output as a public `predicted` signal. */
  argmax?: boolean
  /** Default `constant`. */
  weights?: WeightVisibility
  /** Written into the header comment. */
  generator?: string
}

/**
 * Emits the circom source of a fixed-point model, wiring the templates of
 * circuits/glassbox.circom, one layer at a time through its kind's `emit`
 * (src/layers/). Weights are template parameters, so weighted sums
 * are linear combinations and cost no constraints; every tensor is a signal
 * array `t<k>` of the main template (plain wiring, which circom removes).
 * A convolution is one component per output channel, so no single generated
 * function grows past what V8 will load. Pure: same model, same text.
 *
 * Public signals (snarkjs order: outputs, then public inputs):
 * out[0..M), predicted (with argmax) — or, packed, packedOutputs[0..K) holding both —, inputHash
 * (when hashed; salted with the private `salt` when `salt`), weightsCommitment (committed
 * weights), in[0..N) (when public), prover. Committed weights are the private input
 * `weights[0..W)` in the order of `weightLayout` (src/weights).
 *
 * @throws {QuantizeError} (from checkFixedPointWidths) for a model whose
 *   circuit could not be sound: a decomposition wider than 252 bits, an
 *   accumulator that could wrap the field, or inconsistent tensor widths.
 */
export function emitCircom(
  model: FixedPointModel,
  { inputVisibility = 'hashed', outputSignals = 'separate', salt = false, argmax = true, weights = 'constant', generator = 'glassbox' }: EmitCircomOptions = {},
): string {
  const layout = weights === 'committed' ? weightLayout(model) : undefined
  // The one gate every circuit passes: no source is written for a model the templates cannot
  // check soundly. Committed weights are any values of their range-checked widths, so their
  // accumulators are bounded for the worst weight set, not this model's.
  const committedWidths = new Map<number, { weights: number; biases: number }>()
  for (const segment of layout?.segments ?? []) {
    const widths = committedWidths.get(segment.layerIndex) ?? { weights: 1, biases: 1 }
    if (segment.field === layerKindOf(model.layers[segment.layerIndex]!).weights?.multiplier) widths.weights = segment.bits
    else widths.biases = segment.bits
    committedWidths.set(segment.layerIndex, widths)
  }
  checkFixedPointWidths(model, layout ? { committedWidths } : {})
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  const outputSize = model.output.shape.reduce((a, b) => a * b, 1)
  const functions: string[] = []
  const salted = salt && inputVisibility === 'hashed'
  // Packed: the outputs (and class) are range-checked to the width checkFixedPointWidths just
  // confirmed their producers guarantee, then exposed as PackWord words (one signal per word).
  const words = outputSignals === 'packed' ? planOutputPacking({ outputs: outputSize, bits: model.output.bits, argmax }) : undefined
  const body: string[] = [
    `    signal input in[${inputSize}];`,
    '    signal input prover;',
    ...(salted ? ['    signal input salt;'] : []),
    ...(layout ? [`    signal input weights[${layout.values}];`] : []),
    ...(words
      ? [`    signal out[${outputSize}];`, ...(argmax ? ['    signal predicted;'] : []), `    signal output packedOutputs[${words.length}];`]
      : [`    signal output out[${outputSize}];`, ...(argmax ? ['    signal output predicted;'] : [])]),
    ...(inputVisibility === 'hashed' ? ['    signal output inputHash;'] : []),
    ...(layout ? ['    signal output weightsCommitment;'] : []),
    '',
    `    // Every input value is a signed ${model.input.bits}-bit integer.`,
    `    component inputRange = InputRange(${inputSize}, ${model.input.bits});`,
    '    inputRange.in <== in;',
  ]
  const signalOf = new Map<string, string>([[model.input.name, 'in']])
  // glassbox.circom holds the templates every circuit uses (range checks, argmax, hashes);
  // committed.circom the weight commitment. Kinds whose templates live elsewhere add theirs.
  const libraries = new Set<CircomLibraryFile>(['glassbox.circom', ...(layout ? (['committed.circom'] as const) : [])])
  model.layers.forEach((layer, index) => {
    const sources = layerInputs(layer).map((name) => {
      const signal = signalOf.get(name)
      if (!signal) throw new Error(`layer ${layer.name} reads ${name} before it is produced`)
      return signal
    })
    const t = `t${index}`
    const kind = layerKindOf(layer)
    body.push('', `    // ${layer.name}: ${kind.describe(layer)}`, `    signal ${t}[${kind.outputSize(layer)}];`)
    const context = { component: `layer${index}`, sources, target: t, addFunctions: (lines: readonly string[]) => functions.push(...lines) }
    if (layout && kind.weights) {
      body.push(...kind.weights.emitCommitted(layer, { ...context, segment: (field) => committedSegment(layout, index, layer.name, field) }))
      for (const template of [kind.weights.committedTemplate, ...kind.templates]) libraries.add(template.file)
    } else {
      body.push(...kind.emit(layer, context))
      for (const template of kind.templates) libraries.add(template.file)
    }
    signalOf.set(layer.output, t)
  })
  const last = signalOf.get(model.output.name)!
  body.push('', `    out <== ${last};`)
  if (argmax) body.push(`    component argmax = ArgMax(${outputSize}, ${model.output.bits});`, `    argmax.in <== ${last};`, '    predicted <== argmax.index;')
  words?.forEach((word, j) => {
    body.push(
      `    component pack${j} = PackWord(${word.count}, ${word.bits}, ${word.classBits});`,
      `    for (var i = 0; i < ${word.count}; i++) {`,
      `        pack${j}.in[i] <== out[${word.first} + i];`,
      '    }',
      `    pack${j}.tail <== ${word.class ? 'predicted' : '0'};`,
      `    packedOutputs[${j}] <== pack${j}.word;`,
    )
  })
  if (salted) {
    body.push(`    component inputHasher = SaltedInputHash(${inputSize}, ${model.input.bits});`, '    inputHasher.in <== in;', '    inputHasher.salt <== salt;', '    inputHash <== inputHasher.hash;')
  } else if (inputVisibility === 'hashed') {
    body.push(`    component inputHasher = PackedInputHash(${inputSize}, ${model.input.bits});`, '    inputHasher.in <== in;', '    inputHash <== inputHasher.hash;')
  }
  if (layout) body.push(...emitWeightCommitment(layout))
  body.push('    component bindProver = BindProver();', '    bindProver.prover <== prover;')

  const publicInputs = inputVisibility === 'public' ? 'in, prover' : 'prover'
  return [
    'pragma circom 2.1.0;',
    '',
    `// Generated by ${generator} from model "${model.name}". Do not edit: recompile instead.`,
    `// Fixed point: ${model.bits}-bit activations, ${model.weightBits}-bit weights${layout ? ' (committed: private signals, public Poseidon commitment)' : ''}; input scale 2^${model.input.scale}, output scale 2^${model.output.scale}.`,
    '',
    ...[...libraries].map((file) => `include "${file}";`),
    '',
    ...functions,
    'template GlassboxModel() {',
    ...body,
    '}',
    '',
    `component main {public [${publicInputs}]} = GlassboxModel();`,
    '',
  ].join('\n')
}
