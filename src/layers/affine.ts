import { z } from 'zod'
import { circomTemplate, circomVariable, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { wireSegment } from './parts/committedWiring.js'
import { asBigInts, rescaleAll } from './parts/fixedArithmetic.js'
import { rescaleRowsWitness } from './parts/rescaleWitness.js'
import { addendInts, describeRescale, rescaleConstraints, rescaleFor } from './parts/rescale.js'
import { intString, layerBaseShape, rescaleShape, scale, size } from './parts/schemaParts.js'
import { checkLinearWidths } from './parts/widthBounds.js'

/** An elementwise affine map out[i] = rescale(factor[i]·x[i] + offset[i]) (a folded BatchNorm, a standardization), optional fused ReLU. */
export const affineSchema = z.object({
  kind: z.literal('affine'),
  ...layerBaseShape,
  ...rescaleShape,
  input: z.string(),
  size,
  factor: z.array(intString),
  offset: z.array(intString),
  factorScale: scale,
})

export type FixedAffineLayer = z.infer<typeof affineSchema>

export const affineRescaleTemplate = circomTemplate('AffineRescale', 'glassbox.circom', ['n', 'A', 'C', 'k', 'B', 'relu'])
export const affineCommittedTemplate = circomTemplate('AffineCommitted', 'committed.circom', ['n', 'k', 'B', 'relu'])

/** factor · x + offset, elementwise. */
function affineAccumulators(layer: FixedAffineLayer, x: readonly bigint[]): bigint[] {
  const factor = asBigInts(layer.factor)
  const offset = asBigInts(layer.offset)
  return x.map((v, i) => factor[i]! * v + offset[i]!)
}

export const affineLayer: LayerKind<FixedAffineLayer, 'affine'> = {
  kind: 'affine',
  schema: affineSchema,
  templates: [affineRescaleTemplate],
  quantize: {
    // affine [→ relu]: the ReLU commutes into the rescale.
    affine(op, context) {
      const next = context.soleConsumer(op.output)
      const relu = next?.kind === 'relu'
      if (relu) context.fuse(next)
      const sIn = context.scaleOf(op.input)
      const { productScale, ints } = context.linearWeights(op.scale, op.input, (k) => k, op.name)
      const { outputScale, shift } = rescaleFor(productScale, context.scaleFor(op.output, op.name))
      return {
        kind: 'affine', name: op.name, input: op.input, output: relu ? next.output : op.output, scale: outputScale, bits: context.bits, shift, relu,
        size: op.scale.length, factorScale: productScale - sIn, factor: ints, offset: addendInts(op.shift, productScale, shift),
      }
    },
  },
  fusedOps: (layer) => (layer.relu ? 1 : 0),
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.size,
  evaluate: (layer, [x]) => rescaleAll(affineAccumulators(layer, x!), layer.shift, layer.bits, layer.relu, layer.name),
  witness: (layer, [x], scope, { component }) => rescaleRowsWitness(scope.component(component), layer, x!, affineAccumulators(layer, x!)),
  checkWidths(layer, context) {
    checkLinearWidths(layer, { multipliers: layer.factor, addends: layer.offset, perRow: 1 }, context)
  },
  emit(layer, { component, sources: [x], target, addFunctions }) {
    addFunctions([`function ${component}Factor() {`, `    return [${layer.factor.join(',')}];`, '}', `function ${component}Offset() {`, `    return [${layer.offset.join(',')}];`, '}', ''])
    const call = instantiateTemplate(affineRescaleTemplate, {
      n: layer.size, A: circomVariable(`${component}A`), C: circomVariable(`${component}C`), k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0,
    })
    return [`    var ${component}A[${layer.size}] = ${component}Factor();`, `    var ${component}C[${layer.size}] = ${component}Offset();`, ...emitComponent({ component, call, source: x!, target })]
  },
  weights: {
    multiplier: 'factor',
    addend: 'offset',
    termsPerAddend: () => 1,
    shift: (layer) => layer.shift,
    multiplyAccumulates: (layer) => layer.size,
    multiplierScale: (layer) => layer.factorScale,
    floatWeights: (op) => (op.kind === 'affine' ? { multiplier: op.scale, addend: op.shift } : undefined),
    committedTemplate: affineCommittedTemplate,
    emitCommitted(layer, { component, sources: [x], target, segment }) {
      const call = instantiateTemplate(affineCommittedTemplate, { n: layer.size, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0 })
      return [
        `    component ${component} = ${call};`,
        `    ${component}.in <== ${x};`,
        ...wireSegment(`${component}.a`, segment('factor')),
        ...wireSegment(`${component}.c`, segment('offset')),
        `    ${target} <== ${component}.out;`,
      ]
    },
    witnessCommitted(layer, [x], scope, { component, field }) {
      const c = scope.component(component)
      const factor = field('factor')
      const offset = field('offset')
      c.signals('a', [factor.length]).fill(factor)
      c.signals('c', [offset.length]).fill(offset)
      const products = x!.map((v, i) => factor[i]! * v)
      c.signals('prod', [products.length]).fill(products)
      return rescaleRowsWitness(c, layer, x!, products.map((p, i) => p + offset[i]!))
    },
  },
  constraints: (layer, { o1 }) => layer.size * rescaleConstraints(layer, o1),
  describe: (layer) => `elementwise affine on ${layer.size}, ${describeRescale(layer)}`,
  costKind: (layer) => `affine${layer.relu ? '+relu' : ''}`,
  compareStructure(layer, op, same) {
    if (op.kind === 'affine') same(`layer "${layer.name}" size`, layer.size, op.scale.length)
  },
}
