import { padSources } from '../model/windows.js'
import { planOutputPacking } from '../artifacts/planOutputPacking.js'
import { checkFixedPointWidths } from '../quantize/checkFixedPointWidths.js'
import type { FixedConvLayer, FixedLayer, FixedPointModel } from '../quantize/fixedPointModel.js'
import { layerInputs, layerOutputSize } from '../quantize/fixedPointModel.js'
import { layerKindOf } from '../layers/layerTable.js'
import { weightLayout } from '../weights/weightLayout.js'
import { convChannelGeometry } from './convChannelGeometry.js'
import { emitCommittedLayer, emitWeightCommitment } from './emitCommittedWeights.js'

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
 * circuits/glassbox.circom. Weights are template parameters, so weighted sums
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
    if (segment.field === 'weight' || segment.field === 'factor') widths.weights = segment.bits
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
  model.layers.forEach((layer, index) => {
    const sources = layerInputs(layer).map((name) => {
      const signal = signalOf.get(name)
      if (!signal) throw new Error(`layer ${layer.name} reads ${name} before it is produced`)
      return signal
    })
    const t = `t${index}`
    body.push('', `    // ${layer.name}: ${describe(layer)}`, `    signal ${t}[${layerOutputSize(layer)}];`)
    const committed = layout && (layer.kind === 'dense' || layer.kind === 'conv' || layer.kind === 'affine')
    body.push(...(committed ? emitCommittedLayer(layer, index, sources[0]!, t, layout) : emitLayer(layer, index, sources, t, functions)))
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
    'include "glassbox.circom";',
    ...libraryIncludes(model),
    ...(layout ? ['include "committed.circom";'] : []),
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

/** The template files beyond glassbox.circom that the model's layer kinds instantiate. */
function libraryIncludes(model: FixedPointModel): string[] {
  const files = new Set<string>()
  for (const layer of model.layers) {
    if (layer.kind === 'binary' || layer.kind === 'matmul' || layer.kind === 'softmax' || layer.kind === 'layernorm') for (const t of layerKindOf(layer).templates) if (t.file !== 'glassbox.circom') files.add(t.file)
  }
  return [...files].sort().map((file) => `include "${file}";`)
}

function emitLayer(layer: FixedLayer, index: number, sources: string[], t: string, functions: string[]): string[] {
  const name = `layer${index}`
  const [x] = sources as [string]
  switch (layer.kind) {
    case 'dense': {
      const rows: string[] = []
      for (let j = 0; j < layer.outFeatures; j++) rows.push(`[${layer.weight.slice(j * layer.inFeatures, (j + 1) * layer.inFeatures).join(',')}]`)
      functions.push(`function ${name}Weight() {`, `    return [${rows.join(',\n        ')}];`, '}', `function ${name}Bias() {`, `    return [${layer.bias.join(',')}];`, '}', '')
      return [
        `    var ${name}W[${layer.outFeatures}][${layer.inFeatures}] = ${name}Weight();`,
        `    var ${name}B[${layer.outFeatures}] = ${name}Bias();`,
        `    component ${name} = DenseRescale(${layer.inFeatures}, ${layer.outFeatures}, ${name}W, ${name}B, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0});`,
        `    ${name}.in <== ${x};`,
        `    ${t} <== ${name}.out;`,
      ]
    }
    case 'affine':
      functions.push(`function ${name}Factor() {`, `    return [${layer.factor.join(',')}];`, '}', `function ${name}Offset() {`, `    return [${layer.offset.join(',')}];`, '}', '')
      return [
        `    var ${name}A[${layer.size}] = ${name}Factor();`,
        `    var ${name}C[${layer.size}] = ${name}Offset();`,
        `    component ${name} = AffineRescale(${layer.size}, ${name}A, ${name}C, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0});`,
        `    ${name}.in <== ${x};`,
        `    ${t} <== ${name}.out;`,
      ]
    case 'conv':
      return emitConv(layer, name, x, t)
    case 'relu':
      return [`    component ${name} = Relu(${layer.size}, ${layer.bits});`, `    ${name}.in <== ${x};`, `    ${t} <== ${name}.out;`]
    case 'maxpool': {
      const [c, h, w] = layer.inShape
      const [, oh, ow] = layer.outShape
      return [
        `    component ${name} = MaxPool2d(${c}, ${h}, ${w}, ${layer.kernel.join(', ')}, ${layer.stride.join(', ')}, ${layer.pads[0]}, ${layer.pads[1]}, ${oh}, ${ow}, ${layer.bits});`,
        `    ${name}.in <== ${x};`,
        `    ${t} <== ${name}.out;`,
      ]
    }
    case 'clip':
      return [
        `    component ${name} = Clip(${layer.size}, ${layer.bits}, ${layer.min === null ? '0, 0' : `1, ${layer.min}`}, ${layer.max === null ? '0, 0' : `1, ${layer.max}`});`,
        `    ${name}.in <== ${x};`,
        `    ${t} <== ${name}.out;`,
      ]
    case 'leakyrelu':
      return [`    component ${name} = LeakyRelu(${layer.size}, ${layer.bits}, ${layer.alpha}, ${layer.alphaShift});`, `    ${name}.in <== ${x};`, `    ${t} <== ${name}.out;`]
    case 'pwl':
      return [
        `    component ${name} = PiecewiseLinear(${layer.size}, ${layer.inputBits}, ${layer.knots.length}, [${layer.knots.join(',')}], [${layer.hinges.join(',')}], ${layer.base}, ${layer.shift}, ${layer.bits});`,
        `    ${name}.in <== ${x};`,
        `    ${t} <== ${name}.out;`,
      ]
    case 'pad':
      return Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source, i) => `    ${t}[${i}] <== ${source < 0 ? '0' : `${x}[${source}]`};`)
    case 'permute':
      functions.push(`function ${name}Source() {`, `    return [${layer.source.join(',')}];`, '}', '')
      return [`    var ${name}S[${layer.source.length}] = ${name}Source();`, `    for (var i = 0; i < ${layer.source.length}; i++) {`, `        ${t}[i] <== ${x}[${name}S[i]];`, '    }']
    case 'concat':
      return layer.source.map(([which, at], i) => {
        const shift = layer.upshift[which]!
        return `    ${t}[${i}] <== ${sources[which]}[${at}]${shift ? ` * ${2n ** BigInt(shift)}` : ''};`
      })
    case 'softmax':
    case 'layernorm':
      return layerKindOf(layer).emit(layer, { component: name, sources, target: t, addFunctions: (lines) => functions.push(...lines, '') })
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).emit(layer, { component: name, sources, target: t, addFunctions: (lines) => functions.push(...lines) })
    default:
      return layer satisfies never
  }
}

function emitConv(layer: FixedConvLayer, name: string, x: string, t: string): string[] {
  const { perIn, perOut, inputChannelSize, channelSize, weightsPerChannel, windowArgs, poolArgs } = convChannelGeometry(layer)
  const lines: string[] = []
  for (let m = 0; m < layer.convShape[0]; m++) {
    const firstIn = Math.floor(m / perOut) * perIn
    const weights = layer.weight.slice(m * weightsPerChannel, (m + 1) * weightsPerChannel).join(',')
    const c = `${name}c${m}`
    lines.push(
      `    component ${c} = ConvChannel(${windowArgs}, [${weights}], ${layer.bias[m]}, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0}, ${poolArgs});`,
      `    for (var i = 0; i < ${perIn * inputChannelSize}; i++) {`,
      `        ${c}.in[i] <== ${x}[${firstIn * inputChannelSize} + i];`,
      '    }',
      `    for (var i = 0; i < ${channelSize}; i++) {`,
      `        ${t}[${m * channelSize} + i] <== ${c}.out[i];`,
      '    }',
    )
  }
  return lines
}

function describe(layer: FixedLayer): string {
  const rescale = (l: { shift: number; relu: boolean; bits: number }) => `rescale by 2^${l.shift} to ${l.bits} bits${l.relu ? ', ReLU' : ''}`
  switch (layer.kind) {
    case 'dense':
      return `dense ${layer.inFeatures}→${layer.outFeatures}, ${rescale(layer)}`
    case 'conv':
      return `conv ${layer.inShape.join('×')}→${layer.convShape.join('×')} (${layer.kernel.join('×')}, stride ${layer.stride.join('×')}, group ${layer.group})${layer.pool ? `, max pool ${layer.pool.kernel.join('×')} before the rescale` : ''}, ${rescale(layer)}`
    case 'affine':
      return `elementwise affine on ${layer.size}, ${rescale(layer)}`
    case 'relu':
      return `ReLU on ${layer.size}`
    case 'maxpool':
      return `max pool ${layer.kernel.join('×')} on ${layer.inShape.join('×')}`
    case 'pad':
      return `zero padding ${layer.pads.join(',')} (wiring)`
    case 'permute':
      return 'permutation (wiring)'
    case 'concat':
      return `concatenation of ${layer.inputs.length} tensors (wiring)`
    case 'clip':
      return `clip to [${layer.min ?? '-∞'}, ${layer.max ?? '∞'}]`
    case 'leakyrelu':
      return `leaky ReLU, alpha ${layer.alpha}/2^${layer.alphaShift}`
    case 'pwl':
      return `${layer.fn} as ${layer.knots.length} hinges, ${rescale({ ...layer, relu: false })}`
    case 'softmax':
    case 'layernorm':
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).describe(layer)
    default:
      return layer satisfies never
  }
}
