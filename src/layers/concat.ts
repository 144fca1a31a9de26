import { z } from 'zod'
import { QuantizeError } from '../errors.js'
import type { LayerKind } from './layerKind.js'
import { INCONSISTENT } from './parts/widthBounds.js'
import { layerBaseShape, MAX_DECOMPOSITION_BITS, MAX_TENSOR_BITS, SCALE_LIMIT } from './parts/schemaParts.js'

/** Concatenation of tensors at a common scale: wiring, each input times a constant 2^upshift, no constraints. */
export const concatSchema = z.object({
  kind: z.literal('concat'),
  ...layerBaseShape,
  inputs: z.array(z.string()).min(1),
  /** For each output element: [input index, element index]. */
  source: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0)])),
  /** Each input is multiplied by 2^upshift[i] to reach the common scale (free: a constant factor). */
  upshift: z.array(z.number().int().min(0).max(2 * SCALE_LIMIT)),
})

export type FixedConcatLayer = z.infer<typeof concatSchema>

export const concatLayer: LayerKind<FixedConcatLayer, 'concat'> = {
  kind: 'concat',
  schema: concatSchema,
  templates: [],
  quantize: {
    // The common scale is the finest input's: coarser inputs are shifted up (exact), never rounded down.
    concat(op, context) {
      const scales = op.inputs.map((name) => context.scaleOf(name))
      const common = Math.max(...scales)
      const upshift = scales.map((s) => common - s)
      const outBits = Math.max(...op.inputs.map((name, i) => context.bitsOf(name) + upshift[i]!))
      if (outBits > MAX_TENSOR_BITS) {
        throw new QuantizeError(`Concat "${op.name}" joins tensors at scales 2^${Math.min(...scales)} to 2^${common}: shifted to the common scale its values would be ${outBits}-bit, more than a sound BN254 circuit compares (${MAX_TENSOR_BITS}).`, {
          details: 'Its branches have wildly different ranges: check the weights feeding them, or use fewer --bits.',
        })
      }
      const source: [number, number][] = []
      for (let i = 0; i < op.source.length; i += 2) source.push([op.source[i]!, op.source[i + 1]!])
      return { kind: 'concat', name: op.name, inputs: [...op.inputs], output: op.output, scale: common, bits: outBits, upshift, source }
    },
  },
  inputs: (layer) => layer.inputs,
  outputSize: (layer) => layer.source.length,
  evaluate: (layer, xs) => layer.source.map(([which, at]) => xs[which]![at]! << BigInt(layer.upshift[which]!)),
  // Its lines write only the target: no signal of its own.
  witness: (layer, inputs) => concatLayer.evaluate(layer, inputs, { float64: false }),
  checkWidths(layer, { inputBits, fail }) {
    const widest = Math.max(...inputBits.map((b, i) => b + layer.upshift[i]!))
    if (layer.bits !== widest) fail(`declares ${layer.bits}-bit values, but its inputs shifted to the common scale are ${widest}-bit.`, INCONSISTENT)
    if (widest > MAX_DECOMPOSITION_BITS - 1) {
      fail(`joins tensors whose scales are 2^${Math.max(...layer.upshift)} apart: the result would be ${widest}-bit, more than a BN254 circuit can compare soundly (${MAX_DECOMPOSITION_BITS - 1}).`,
        'The branches have wildly different ranges (check their weights), or use fewer --bits.')
    }
  },
  emit: (layer, { sources, target }) =>
    layer.source.map(([which, at], i) => {
      const shift = layer.upshift[which]!
      return `    ${target}[${i}] <== ${sources[which]}[${at}]${shift ? ` * ${2n ** BigInt(shift)}` : ''};`
    }),
  constraints: () => 0,
  constantMask: (layer, inputs) => (inputs.some((mask) => mask !== undefined) ? layer.source.map(([which, at]) => inputs[which]?.[at] ?? false) : undefined),
  describe: (layer) => `concatenation of ${layer.inputs.length} tensors (wiring)`,
  costKind: () => 'concat',
  compareStructure(layer, op, same) {
    if (op.kind === 'concat') same(`layer "${layer.name}" layout`, layer.source.flat(), Array.from(op.source))
  },
}
