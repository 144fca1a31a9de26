import { z } from 'zod'
import { padSources } from '../model/windows.js'
import type { LayerKind } from './layerKind.js'
import { chw, layerBaseShape, pads } from './parts/schemaParts.js'

/** Zero padding of an image: pure wiring (each output is an input value or the constant 0), no constraints. */
export const padSchema = z.object({ kind: z.literal('pad'), ...layerBaseShape, input: z.string(), inShape: chw, outShape: chw, pads })

export type FixedPadLayer = z.infer<typeof padSchema>

export const padLayer: LayerKind<FixedPadLayer, 'pad'> = {
  kind: 'pad',
  schema: padSchema,
  templates: [],
  quantize: {
    pad: (op, context) => ({
      kind: 'pad', name: op.name, input: op.input, output: op.output, scale: context.scaleOf(op.input), bits: context.bitsOf(op.input),
      inShape: [...op.inShape], outShape: [...op.outShape], pads: [...op.pads],
    }),
  },
  inputs: (layer) => [layer.input],
  outputSize: ({ outShape: [c, h, w] }) => c * h * w,
  evaluate: (layer, [x]) => Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source) => (source < 0 ? 0n : x![source]!)),
  // Its lines write only the target: no signal of its own.
  witness: (layer, inputs) => padLayer.evaluate(layer, inputs, { float64: false }),
  checkWidths: (_layer, context) => context.sameAsInput(),
  emit: (layer, { sources: [x], target }) => Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source, i) => `    ${target}[${i}] <== ${source < 0 ? '0' : `${x}[${source}]`};`),
  constraints: () => 0,
  // The padding is the constant 0, and so is every value that was constant in the input.
  constantMask(layer, [input]) {
    const mask = input ?? new Array<boolean>(layer.inShape[0] * layer.inShape[1] * layer.inShape[2]).fill(false)
    return Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source) => source < 0 || mask[source]!)
  },
  describe: (layer) => `zero padding ${layer.pads.join(',')} (wiring)`,
  costKind: () => 'pad',
  compareStructure(layer, op, same) {
    if (op.kind === 'pad') same(`layer "${layer.name}" geometry`, [layer.inShape, layer.outShape, layer.pads], [op.inShape, op.outShape, op.pads])
  },
}
