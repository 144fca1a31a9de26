import { z } from 'zod'
import type { LayerKind } from './layerKind.js'
import { layerBaseShape } from './parts/schemaParts.js'

/** A permutation of a tensor's values (transposes, flattening orders): pure wiring, no constraints. */
export const permuteSchema = z.object({ kind: z.literal('permute'), ...layerBaseShape, input: z.string(), source: z.array(z.number().int().min(0)) })

export type FixedPermuteLayer = z.infer<typeof permuteSchema>

export const permuteLayer: LayerKind<FixedPermuteLayer, 'permute'> = {
  kind: 'permute',
  schema: permuteSchema,
  templates: [],
  quantize: {
    permute: (op, context) => ({ kind: 'permute', name: op.name, input: op.input, output: op.output, scale: context.scaleOf(op.input), bits: context.bitsOf(op.input), source: Array.from(op.source) }),
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.source.length,
  evaluate: (layer, [x]) => layer.source.map((s) => x![s]!),
  // Its lines write only the target (through a var): no signal of its own.
  witness: (layer, inputs) => permuteLayer.evaluate(layer, inputs, { float64: false }),
  checkWidths: (_layer, context) => context.sameAsInput(),
  emit(layer, { component, sources: [x], target, addFunctions }) {
    addFunctions([`function ${component}Source() {`, `    return [${layer.source.join(',')}];`, '}', ''])
    return [`    var ${component}S[${layer.source.length}] = ${component}Source();`, `    for (var i = 0; i < ${layer.source.length}; i++) {`, `        ${target}[i] <== ${x}[${component}S[i]];`, '    }']
  },
  constraints: () => 0,
  constantMask: (layer, [input]) => (input ? layer.source.map((s) => input[s]!) : undefined),
  describe: () => 'permutation (wiring)',
  costKind: () => 'permute',
  compareStructure(layer, op, same) {
    if (op.kind === 'permute') same(`layer "${layer.name}" permutation`, layer.source, Array.from(op.source))
  },
}
