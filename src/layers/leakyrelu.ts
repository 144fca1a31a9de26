import { z } from 'zod'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { rescaleAll } from './parts/fixedArithmetic.js'
import { intString, layerBaseShape, shift, size } from './parts/schemaParts.js'
import { abs } from './parts/widthBounds.js'

/** Leaky ReLU: x for x ≥ 0, floor(alpha·x / 2^alphaShift) below. */
export const leakyReluSchema = z.object({
  kind: z.literal('leakyrelu'),
  ...layerBaseShape,
  input: z.string(),
  size,
  /** Negative slope as alpha / 2^alphaShift. */
  alpha: intString,
  alphaShift: shift,
})

export type FixedLeakyReluLayer = z.infer<typeof leakyReluSchema>

export const leakyReluTemplate = circomTemplate('LeakyRelu', 'glassbox.circom', ['n', 'B', 'ALPHA', 'T'])

/** The slope's fractional bits: 8 resolve every slope in common use (0.01, 0.1, 0.2) to within 0.2%. */
const ALPHA_SHIFT = 8

export const leakyReluLayer: LayerKind<FixedLeakyReluLayer, 'leakyrelu'> = {
  kind: 'leakyrelu',
  schema: leakyReluSchema,
  templates: [leakyReluTemplate],
  quantize: {
    leakyrelu: (op, context) => ({
      kind: 'leakyrelu', name: op.name, input: op.input, output: op.output, scale: context.scaleOf(op.input), bits: context.bitsOf(op.input),
      size: context.sizeOf(op.input), alpha: String(Math.round(op.alpha * 2 ** ALPHA_SHIFT)), alphaShift: ALPHA_SHIFT,
    }),
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.size,
  evaluate(layer, [x]) {
    const alpha = BigInt(layer.alpha)
    // The circuit computes the negative branch for every value, so it is range-checked for every value.
    const negative = rescaleAll(x!.map((v) => alpha * v), layer.alphaShift, layer.bits, false, layer.name)
    return x!.map((v, i) => (v >= 0n ? v : negative[i]!))
  },
  checkWidths(layer, context) {
    context.sameAsInput()
    context.decomposition(layer.alphaShift + layer.bits, 'the negative branch\'s rescale')
    context.accumulator(abs(BigInt(layer.alpha)) << BigInt(layer.bits - 1), 'alpha · x')
  },
  emit: (layer, { component, sources: [x], target }) =>
    emitComponent({ component, call: instantiateTemplate(leakyReluTemplate, { n: layer.size, B: layer.bits, ALPHA: layer.alpha, T: layer.alphaShift }), source: x!, target }),
  // The sign (B bits), the negative branch's rescale (T + B bits) and the select; --O1 keeps both sums.
  constraints: (layer, { o1 }) => layer.size * (2 * layer.bits + layer.alphaShift + 1 + (o1 ? 2 : 0)),
  describe: (layer) => `leaky ReLU, alpha ${layer.alpha}/2^${layer.alphaShift}`,
  costKind: () => 'leakyrelu',
  compareStructure(layer, op, same) {
    if (op.kind === 'leakyrelu') same(`layer "${layer.name}" slope`, layer.alpha, String(Math.round(op.alpha * 2 ** layer.alphaShift)))
  },
}
