import { z } from 'zod'
import { fitPiecewiseLinear, type PiecewiseOp } from '../quantize/piecewiseLinear.js'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind, QuantizeContext } from './layerKind.js'
import { asBigInts, rescaleAll } from './parts/fixedArithmetic.js'
import { describeRescale, rescaleConstraints } from './parts/rescale.js'
import { bits, intString, layerBaseShape, shift, size } from './parts/schemaParts.js'
import { abs, fitsSigned, INCONSISTENT } from './parts/widthBounds.js'
import { bitsRowWitness, rescaleWitness } from './parts/rescaleWitness.js'

/** A smooth activation (sigmoid, tanh, GELU, erf) as a sum of hinges: y·2^(scale+shift) = base + Σ_j hinge[j]·max(0, x − knot[j]). */
export const piecewiseLinearSchema = z.object({
  kind: z.literal('pwl'),
  ...layerBaseShape,
  shift,
  input: z.string(),
  /** Bits of the input tensor (each hinge compares x − knot in inputBits + 1 bits). */
  inputBits: bits,
  size,
  fn: z.enum(['sigmoid', 'tanh', 'gelu', 'erf']),
  /** y·2^(outScale+shift) = base + Σ_j hinge[j]·max(0, x − knot[j]), x at the input scale. */
  base: intString,
  knots: z.array(intString),
  hinges: z.array(intString),
})

export type FixedPiecewiseLinearLayer = z.infer<typeof piecewiseLinearSchema>

export const piecewiseLinearTemplate = circomTemplate('PiecewiseLinear', 'glassbox.circom', ['n', 'BIN', 'NK', 'KNOT', 'HINGE', 'BASE', 'k', 'B'])

const fit = (op: PiecewiseOp, context: QuantizeContext) =>
  fitPiecewiseLinear(op, {
    inputScale: context.scaleOf(op.input), inputBits: context.bitsOf(op.input), bits: context.bits, size: context.sizeOf(op.input),
    // GELU is unbounded (≈ x on the right): its output scale is calibrated like any tensor's.
    ...(op.kind === 'gelu' ? { outputScale: context.scaleFor(op.output, op.name) } : {}),
  })

/** One value's hinges max(0, x − knot[j]) and its accumulator base + Σ_j hinge[j]·max(0, x − knot[j]), as the template computes them. */
function hingeSum(layer: FixedPiecewiseLinearLayer, v: bigint): { hinge: bigint[]; acc: bigint } {
  const knots = asBigInts(layer.knots)
  const slopes = asBigInts(layer.hinges)
  const hinge = knots.map((k) => (v > k ? v - k : 0n))
  let acc = BigInt(layer.base)
  hinge.forEach((h, j) => (acc += slopes[j]! * h))
  return { hinge, acc }
}

export const piecewiseLinearLayer: LayerKind<FixedPiecewiseLinearLayer, 'sigmoid' | 'tanh' | 'gelu' | 'erf'> = {
  kind: 'pwl',
  schema: piecewiseLinearSchema,
  templates: [piecewiseLinearTemplate],
  quantize: { sigmoid: fit, tanh: fit, gelu: fit, erf: fit },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.size,
  evaluate: (layer, [x]) => rescaleAll(x!.map((v) => hingeSum(layer, v).acc), layer.shift, layer.bits, false, layer.name),
  witness(layer, [x], scope, { component }) {
    const c = scope.component(component)
    const NK = layer.knots.length
    const N = layer.inputBits + 1
    const offset = 1n << BigInt(N - 1)
    const knots = asBigInts(layer.knots)
    c.signals('in', [layer.size]).fill(x!)
    const hbits = c.signals('hbits', [layer.size, NK, N])
    const hinge = c.signals('hinge', [layer.size, NK])
    const rbits = c.signals('rbits', [layer.size, layer.shift + layer.bits])
    const rescale = { shift: layer.shift, bits: layer.bits, relu: false }
    const out = x!.map((v, i) => {
      const row = hingeSum(layer, v)
      for (let j = 0; j < NK; j++) {
        bitsRowWitness(hbits, i * NK + j, v - knots[j]! + offset, N, `layer "${layer.name}" hbits`)
        hinge.set(i * NK + j, row.hinge[j]!)
      }
      return rescaleWitness(rbits, i, row.acc, rescale, layer.name)
    })
    c.signals('out', [layer.size]).fill(out)
    return out
  },
  checkWidths(layer, context) {
    const inputBits = context.inputBits[0]!
    if (layer.inputBits !== inputBits) context.fail(`compares ${layer.inputBits}-bit values but its input is ${inputBits}-bit.`, INCONSISTENT)
    context.decomposition(layer.inputBits + 1, 'each hinge\'s comparison')
    context.decomposition(layer.shift + layer.bits, `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
    for (const knot of layer.knots) {
      if (!fitsSigned(BigInt(knot), inputBits)) context.fail(`knot ${knot} does not fit its ${inputBits}-bit input.`, INCONSISTENT)
    }
    // Each hinge max(0, x − knot) is below 2^inputBits.
    const hinges = layer.hinges.reduce((sum, h) => sum + abs(BigInt(h)), 0n) << BigInt(layer.inputBits)
    context.accumulator(abs(BigInt(layer.base)) + hinges, 'its hinge sum')
  },
  emit(layer, { component, sources: [x], target }) {
    const call = instantiateTemplate(piecewiseLinearTemplate, {
      n: layer.size, BIN: layer.inputBits, NK: layer.knots.length, KNOT: layer.knots, HINGE: layer.hinges, BASE: layer.base, k: layer.shift, B: layer.bits,
    })
    return emitComponent({ component, call, source: x!, target })
  },
  // Per hinge: an (inputBits + 1)-bit comparison and its product (--O1: and the sum); then the rescale.
  constraints: (layer, { o1 }) => layer.size * (layer.knots.length * (layer.inputBits + 2 + (o1 ? 1 : 0)) + rescaleConstraints({ ...layer, relu: false }, o1)),
  describe: (layer) => `${layer.fn} as ${layer.knots.length} hinges, ${describeRescale({ ...layer, relu: false })}`,
  costKind: () => 'pwl',
  compareStructure(layer, op, same) {
    if (op.kind === 'sigmoid' || op.kind === 'tanh' || op.kind === 'gelu' || op.kind === 'erf') same(`layer "${layer.name}" function`, layer.fn, op.kind)
  },
}
