import { z } from 'zod'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { relu } from './parts/fixedArithmetic.js'
import { layerBaseShape, size } from './parts/schemaParts.js'
import { bitsOfWitness } from '../witness/templates/glassboxTemplates.js'

/** A ReLU on its own (one that could not be fused into the rescale of the layer before it). */
export const reluSchema = z.object({ kind: z.literal('relu'), ...layerBaseShape, input: z.string(), size })

export type FixedReluLayer = z.infer<typeof reluSchema>

export const reluTemplate = circomTemplate('Relu', 'glassbox.circom', ['n', 'B'])

export const reluLayer: LayerKind<FixedReluLayer, 'relu'> = {
  kind: 'relu',
  schema: reluSchema,
  templates: [reluTemplate],
  quantize: {
    relu: (op, context) => ({ kind: 'relu', name: op.name, input: op.input, output: op.output, scale: context.scaleOf(op.input), bits: context.bitsOf(op.input), size: context.sizeOf(op.input) }),
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.size,
  evaluate: (_layer, [x]) => x!.map(relu),
  witness(layer, [x], scope, { component }) {
    const c = scope.component(component)
    c.signals('in', [layer.size]).fill(x!)
    x!.forEach((v, i) => bitsOfWitness(c.component('bits', i), v + (1n << BigInt(layer.bits - 1)), layer.bits))
    const out = x!.map(relu)
    c.signals('out', [layer.size]).fill(out)
    return out
  },
  checkWidths(layer, context) {
    context.sameAsInput()
    context.decomposition(layer.bits, 'the ReLU sign')
  },
  emit: (layer, { component, sources: [x], target }) => emitComponent({ component, call: instantiateTemplate(reluTemplate, { n: layer.size, B: layer.bits }), source: x!, target }),
  // A B-bit sign decomposition and the select's product per value; --O1 keeps the sum and the output.
  constraints: (layer, { o1 }) => layer.size * (layer.bits + 1 + (o1 ? 2 : 0)),
  describe: (layer) => `ReLU on ${layer.size}`,
  costKind: () => 'relu',
  compareStructure() {},
}
