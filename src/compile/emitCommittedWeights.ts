import type { FixedAffineLayer, FixedConvLayer, FixedDenseLayer } from '../quantize/fixedPointModel.js'
import type { WeightLayout, WeightSegment } from '../weights/weightLayout.js'
import { convChannelGeometry } from './convChannelGeometry.js'

/** A layer whose parameters become signals of a committed-weights circuit. */
export type CommittedLayer = FixedDenseLayer | FixedConvLayer | FixedAffineLayer

/**
 * The lines of the main template that declare the weight signals and prove
 * their commitment (circuits/committed.circom, `WeightCommitment`). The
 * segments' counts and widths are template parameters, so the packing is
 * fixed by the architecture, never by the weights.
 */
export function emitWeightCommitment(layout: WeightLayout): string[] {
  const counts = layout.segments.map((s) => s.count).join(',')
  const widths = layout.segments.map((s) => s.bits).join(',')
  return [
    '',
    `    // ${layout.values} committed weight values (private), range-checked and packed into ${layout.elements} field element(s), Poseidon-hashed to the public weightsCommitment.`,
    `    component weightCheck = WeightCommitment(${layout.values}, ${layout.segments.length}, [${counts}], [${widths}]);`,
    '    weightCheck.in <== weights;',
    '    weightsCommitment <== weightCheck.hash;',
  ]
}

/**
 * A dense, conv or affine layer wired to its slice of the private `weights`
 * input instead of constants: one product per multiply-accumulate.
 */
export function emitCommittedLayer(layer: CommittedLayer, index: number, x: string, t: string, layout: WeightLayout): string[] {
  const name = `layer${index}`
  const segment = (field: WeightSegment['field']): WeightSegment => {
    const found = layout.segments.find((s) => s.layerIndex === index && s.field === field)
    if (!found) throw new Error(`layer ${layer.name} has no ${field} segment in the weight layout`)
    return found
  }
  const wire = (target: string, s: WeightSegment) => [`    for (var i = 0; i < ${s.count}; i++) {`, `        ${target}[i] <== weights[${s.start} + i];`, '    }']
  switch (layer.kind) {
    case 'dense':
      return [
        `    component ${name} = DenseCommitted(${layer.inFeatures}, ${layer.outFeatures}, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0});`,
        `    ${name}.in <== ${x};`,
        ...wire(`${name}.w`, segment('weight')),
        ...wire(`${name}.b`, segment('bias')),
        `    ${t} <== ${name}.out;`,
      ]
    case 'affine':
      return [
        `    component ${name} = AffineCommitted(${layer.size}, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0});`,
        `    ${name}.in <== ${x};`,
        ...wire(`${name}.a`, segment('factor')),
        ...wire(`${name}.c`, segment('offset')),
        `    ${t} <== ${name}.out;`,
      ]
    case 'conv':
      return emitCommittedConv(layer, name, x, t, segment('weight'), segment('bias'))
    default:
      return layer satisfies never
  }
}

function emitCommittedConv(layer: FixedConvLayer, name: string, x: string, t: string, weight: WeightSegment, bias: WeightSegment): string[] {
  const { perIn, perOut, inputChannelSize, channelSize, weightsPerChannel, windowArgs, poolArgs } = convChannelGeometry(layer)
  const lines: string[] = []
  for (let m = 0; m < layer.convShape[0]; m++) {
    const firstIn = Math.floor(m / perOut) * perIn
    const c = `${name}c${m}`
    lines.push(
      `    component ${c} = ConvChannelCommitted(${windowArgs}, ${layer.shift}, ${layer.bits}, ${layer.relu ? 1 : 0}, ${poolArgs});`,
      `    for (var i = 0; i < ${perIn * inputChannelSize}; i++) {`,
      `        ${c}.in[i] <== ${x}[${firstIn * inputChannelSize} + i];`,
      '    }',
      `    for (var i = 0; i < ${weightsPerChannel}; i++) {`,
      `        ${c}.wk[i] <== weights[${weight.start + m * weightsPerChannel} + i];`,
      '    }',
      `    ${c}.bias <== weights[${bias.start + m}];`,
      `    for (var i = 0; i < ${channelSize}; i++) {`,
      `        ${t}[${m * channelSize} + i] <== ${c}.out[i];`,
      '    }',
    )
  }
  return lines
}
