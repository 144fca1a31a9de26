import { z } from 'zod'
import { circomTemplate, circomVariable, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { wireSegment } from './parts/committedWiring.js'
import { asBigInts, exactInFloat64, rescaleAll } from './parts/fixedArithmetic.js'
import { addendInts, describeRescale, rescaleConstraints, rescaleFor } from './parts/rescale.js'
import { intString, layerBaseShape, rescaleShape, scale, size } from './parts/schemaParts.js'
import { rescaleRowsWitness } from './parts/rescaleWitness.js'
import { checkLinearWidths } from './parts/widthBounds.js'

/** A fully connected layer: out = rescale(W·x + b), optionally followed by a fused ReLU. */
export const denseSchema = z.object({
  kind: z.literal('dense'),
  ...layerBaseShape,
  ...rescaleShape,
  input: z.string(),
  inFeatures: size,
  outFeatures: size,
  /** Row-major [outFeatures][inFeatures]. */
  weight: z.array(intString),
  /** At the accumulator's scale, including the rounding offset 2^(shift−1). */
  bias: z.array(intString),
  weightScale: scale,
})

export type FixedDenseLayer = z.infer<typeof denseSchema>

/** Weights are template parameters: each output is a linear combination, so only the rescale costs constraints. */
export const denseRescaleTemplate = circomTemplate('DenseRescale', 'glassbox.circom', ['nIn', 'nOut', 'W', 'b', 'k', 'B', 'relu'])
/** Weights are private signals: one product per multiply-accumulate. */
export const denseCommittedTemplate = circomTemplate('DenseCommitted', 'committed.circom', ['nIn', 'nOut', 'k', 'B', 'relu'])

/** The accumulators W·x + b of every output (float64 where exact, else BigInt). */
function denseAccumulators(layer: FixedDenseLayer, x: readonly bigint[], float64: boolean): bigint[] {
  const out: bigint[] = new Array(layer.outFeatures)
  const exact = float64 ? exactInFloat64(layer, x, layer.inFeatures) : null
  if (exact) {
    const { weight, bias, x: xf } = exact
    for (let j = 0; j < layer.outFeatures; j++) {
      let acc = bias[j]!
      const row = j * layer.inFeatures
      for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * xf[i]!
      out[j] = BigInt(acc)
    }
  } else {
    const weight = asBigInts(layer.weight)
    for (let j = 0; j < layer.outFeatures; j++) {
      let acc = BigInt(layer.bias[j]!)
      const row = j * layer.inFeatures
      for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * x[i]!
      out[j] = acc
    }
  }
  return out
}

export const denseLayer: LayerKind<FixedDenseLayer, 'dense'> = {
  kind: 'dense',
  schema: denseSchema,
  templates: [denseRescaleTemplate],
  quantize: {
    // dense [→ relu]: the ReLU commutes into the rescale.
    dense(op, context) {
      const next = context.soleConsumer(op.output)
      const relu = next?.kind === 'relu'
      if (relu) context.fuse(next)
      const sIn = context.scaleOf(op.input)
      const { productScale, ints } = context.linearWeights(op.weight, op.input, (k) => k % op.inFeatures, op.name)
      const { outputScale, shift } = rescaleFor(productScale, context.scaleFor(op.output, op.name))
      return {
        kind: 'dense', name: op.name, input: op.input, output: relu ? next.output : op.output, scale: outputScale, bits: context.bits, shift, relu,
        inFeatures: op.inFeatures, outFeatures: op.outFeatures, weightScale: productScale - sIn,
        weight: ints, bias: addendInts(op.bias, productScale, shift),
      }
    },
  },
  fusedOps: (layer) => (layer.relu ? 1 : 0),
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.outFeatures,
  evaluate: (layer, [x], { float64 }) => rescaleAll(denseAccumulators(layer, x!, float64), layer.shift, layer.bits, layer.relu, layer.name),
  checkWidths(layer, context) {
    checkLinearWidths(layer, { multipliers: layer.weight, addends: layer.bias, perRow: layer.inFeatures }, context)
  },
  emit(layer, { component, sources: [x], target, addFunctions }) {
    const rows: string[] = []
    for (let j = 0; j < layer.outFeatures; j++) rows.push(`[${layer.weight.slice(j * layer.inFeatures, (j + 1) * layer.inFeatures).join(',')}]`)
    addFunctions([`function ${component}Weight() {`, `    return [${rows.join(',\n        ')}];`, '}', `function ${component}Bias() {`, `    return [${layer.bias.join(',')}];`, '}', ''])
    const call = instantiateTemplate(denseRescaleTemplate, {
      nIn: layer.inFeatures, nOut: layer.outFeatures, W: circomVariable(`${component}W`), b: circomVariable(`${component}B`), k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0,
    })
    return [
      `    var ${component}W[${layer.outFeatures}][${layer.inFeatures}] = ${component}Weight();`,
      `    var ${component}B[${layer.outFeatures}] = ${component}Bias();`,
      ...emitComponent({ component, call, source: x!, target }),
    ]
  },
  witness(layer, [x], scope, { component }) {
    return rescaleRowsWitness(scope.component(component), layer, x!, denseAccumulators(layer, x!, true))
  },
  weights: {
    multiplier: 'weight',
    addend: 'bias',
    termsPerAddend: (layer) => layer.inFeatures,
    shift: (layer) => layer.shift,
    multiplyAccumulates: (layer) => layer.inFeatures * layer.outFeatures,
    multiplierScale: (layer) => layer.weightScale,
    floatWeights: (op) => (op.kind === 'dense' ? { multiplier: op.weight, addend: op.bias } : undefined),
    committedTemplate: denseCommittedTemplate,
    emitCommitted(layer, { component, sources: [x], target, segment }) {
      const call = instantiateTemplate(denseCommittedTemplate, { nIn: layer.inFeatures, nOut: layer.outFeatures, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0 })
      return [
        `    component ${component} = ${call};`,
        `    ${component}.in <== ${x};`,
        ...wireSegment(`${component}.w`, segment('weight')),
        ...wireSegment(`${component}.b`, segment('bias')),
        `    ${target} <== ${component}.out;`,
      ]
    },
    witnessCommitted(layer, [x], scope, { component, field }) {
      const c = scope.component(component)
      const weight = field('weight')
      const bias = field('bias')
      c.signals('w', [weight.length]).fill(weight)
      c.signals('b', [bias.length]).fill(bias)
      const prod = c.signals('prod', [layer.outFeatures, layer.inFeatures])
      const acc: bigint[] = []
      for (let j = 0; j < layer.outFeatures; j++) {
        let a = bias[j]!
        for (let i = 0; i < layer.inFeatures; i++) {
          const p = weight[j * layer.inFeatures + i]! * x![i]!
          prod.set(j * layer.inFeatures + i, p)
          a += p
        }
        acc.push(a)
      }
      return rescaleRowsWitness(c, layer, x!, acc)
    },
  },
  constraints: (layer, { o1 }) => layer.outFeatures * rescaleConstraints(layer, o1),
  describe: (layer) => `dense ${layer.inFeatures}→${layer.outFeatures}, ${describeRescale(layer)}`,
  costKind: (layer) => `dense${layer.relu ? '+relu' : ''}`,
  compareStructure(layer, op, same) {
    if (op.kind === 'dense') same(`layer "${layer.name}" shape [out, in]`, [layer.outFeatures, layer.inFeatures], [op.outFeatures, op.inFeatures])
  },
}
