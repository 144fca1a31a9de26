import { z } from 'zod'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { rescaleAll } from './parts/fixedArithmetic.js'
import { intString, layerBaseShape, shift, size } from './parts/schemaParts.js'
import { abs } from './parts/widthBounds.js'
import { bitsRowWitness, rescaleWitness } from './parts/rescaleWitness.js'

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

/** The negative branch's accumulators alpha·x (computed for every value, so range-checked for every value). */
function negativeAccumulators(layer: FixedLeakyReluLayer, x: readonly bigint[]): bigint[] {
  const alpha = BigInt(layer.alpha)
  return x.map((v) => alpha * v)
}

/** The output: x where x ≥ 0, else the negative branch. */
const select = (v: bigint, negative: bigint): bigint => (v >= 0n ? v : negative)

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
    const negative = rescaleAll(negativeAccumulators(layer, x!), layer.alphaShift, layer.bits, false, layer.name)
    return x!.map((v, i) => select(v, negative[i]!))
  },
  witness(layer, [x], scope, { component }) {
    const c = scope.component(component)
    const B = layer.bits
    const offset = 1n << BigInt(B - 1)
    c.signals('in', [layer.size]).fill(x!)
    const sbits = c.signals('sbits', [layer.size, B])
    const nbits = c.signals('nbits', [layer.size, layer.alphaShift + B])
    const rescale = { shift: layer.alphaShift, bits: B, relu: false }
    const acc = negativeAccumulators(layer, x!)
    const out = x!.map((v, i) => {
      bitsRowWitness(sbits, i, v + offset, B, `layer "${layer.name}" sbits`)
      return select(v, rescaleWitness(nbits, i, acc[i]!, rescale, layer.name))
    })
    c.signals('out', [layer.size]).fill(out)
    return out
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
