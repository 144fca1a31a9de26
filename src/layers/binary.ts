import { z } from 'zod'
import { broadcastIndex, broadcastShapes } from '../model/broadcast.js'
import { circomTemplate, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { rescaleAll } from './parts/fixedArithmetic.js'
import { describeRescale, rescaleConstraints, rescaleFor } from './parts/rescale.js'
import { intString, layerBaseShape, rescaleShape, SCALE_LIMIT, size } from './parts/schemaParts.js'
import { abs } from './parts/widthBounds.js'
import { rescaleWitness } from './parts/rescaleWitness.js'

/**
 * a ∘ b elementwise for two computed tensors (∘ = +, −, ·) with numpy
 * broadcasting (`aShape`, `bShape` → `outShape`), then a proven rescale to the
 * output scale and an optional fused ReLU (a residual block's `relu(x + f(x))`).
 *
 * add/sub: acc = a·2^upshift[0] ± b·2^upshift[1] + offset, the upshifts align
 * both inputs to the finer of their scales (free: constant factors); mul:
 * acc = a·b + offset at the product scale. The output scale is the
 * calibrated one (never finer than the accumulator's): out = floor(acc / 2^shift),
 * range-checked to `bits`, `offset` = 2^(shift−1) so the division rounds to nearest.
 */
export const binarySchema = z.object({
  kind: z.literal('binary'),
  ...layerBaseShape,
  ...rescaleShape,
  op: z.enum(['add', 'sub', 'mul']),
  inputs: z.tuple([z.string(), z.string()]),
  aShape: z.array(size),
  bShape: z.array(size),
  outShape: z.array(size),
  /** add/sub: each input times 2^upshift[i] reaches the accumulator scale; mul: [0, 0]. */
  upshift: z.tuple([z.number().int().min(0).max(2 * SCALE_LIMIT), z.number().int().min(0).max(2 * SCALE_LIMIT)]),
  /** Added to the accumulator before the rescale (the rounding offset). */
  offset: intString,
})

export type FixedBinaryLayer = z.infer<typeof binarySchema>

export const addRescaleTemplate = circomTemplate('AddRescale', 'tensorOps.circom', ['n', 'upA', 'upB', 'negate', 'offset', 'k', 'B', 'relu'])
export const mulRescaleTemplate = circomTemplate('MulRescale', 'tensorOps.circom', ['n', 'offset', 'k', 'B', 'relu'])

// Index maps are derived from the shapes; a model is immutable, so compute them once per layer.
const indexCache = new WeakMap<FixedBinaryLayer, [Int32Array, Int32Array]>()
/** For each output element, the element of a and of b it reads (broadcasting resolved). */
export function binaryIndices(layer: FixedBinaryLayer): [Int32Array, Int32Array] {
  let maps = indexCache.get(layer)
  if (!maps) {
    maps = [broadcastIndex(layer.aShape, layer.outShape), broadcastIndex(layer.bShape, layer.outShape)]
    indexCache.set(layer, maps)
  }
  return maps
}

const sizeOfShape = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/** The operands each output reads (broadcasting resolved): what the template's `a` and `b` ports carry. */
function operands(layer: FixedBinaryLayer, a: readonly bigint[], b: readonly bigint[]): [bigint[], bigint[]] {
  const [ia, ib] = binaryIndices(layer)
  return [Array.from(ia, (i) => a[i]!), Array.from(ib, (i) => b[i]!)]
}

/** The accumulators of AddRescale (a·2^upA ± b·2^upB + offset) or MulRescale (a·b + offset), over the broadcast operands. */
function binaryAccumulators(layer: FixedBinaryLayer, a: readonly bigint[], b: readonly bigint[]): bigint[] {
  const offset = BigInt(layer.offset)
  const upA = BigInt(layer.upshift[0])
  const upB = BigInt(layer.upshift[1])
  return a.map((u, j) => {
    const v = b[j]!
    if (layer.op === 'mul') return u * v + offset
    return (u << upA) + (layer.op === 'sub' ? -(v << upB) : v << upB) + offset
  })
}

export const binaryLayer: LayerKind<FixedBinaryLayer, 'binary'> = {
  kind: 'binary',
  schema: binarySchema,
  templates: [addRescaleTemplate, mulRescaleTemplate],
  quantize: {
    // binary [→ relu]: the ReLU commutes into the rescale.
    binary(op, context) {
      const next = context.soleConsumer(op.output)
      const relu = next?.kind === 'relu'
      if (relu) context.fuse(next)
      const [a, b] = op.inputs
      const sa = context.scaleOf(a)
      const sb = context.scaleOf(b)
      const accScale = op.op === 'mul' ? sa + sb : Math.max(sa, sb)
      const upshift: [number, number] = op.op === 'mul' ? [0, 0] : [accScale - sa, accScale - sb]
      const { outputScale, shift } = rescaleFor(accScale, context.scaleFor(op.output, op.name))
      return {
        kind: 'binary', name: op.name, op: op.op, inputs: [a, b], output: relu ? next.output : op.output, scale: outputScale, bits: context.bits, shift, relu,
        aShape: [...op.aShape], bShape: [...op.bShape], outShape: [...op.outShape], upshift, offset: (shift > 0 ? 1n << BigInt(shift - 1) : 0n).toString(),
      }
    },
  },
  inputs: (layer) => layer.inputs,
  outputSize: (layer) => sizeOfShape(layer.outShape),
  evaluate(layer, [a, b]) {
    return rescaleAll(binaryAccumulators(layer, ...operands(layer, a!, b!)), layer.shift, layer.bits, layer.relu, layer.name)
  },
  witness(layer, [a, b], scope, { component }) {
    const c = scope.component(component)
    const [pa, pb] = operands(layer, a!, b!)
    c.signals('a', [pa.length]).fill(pa)
    c.signals('b', [pb.length]).fill(pb)
    const bits = c.signals('bits', [pa.length, layer.shift + layer.bits])
    const out = binaryAccumulators(layer, pa, pb).map((acc, row) => rescaleWitness(bits, row, acc, layer, layer.name))
    c.signals('out', [out.length]).fill(out)
    return out
  },
  checkWidths(layer, context) {
    // The evaluator and the emitted wiring both index the operands by broadcasting: only shapes that broadcast to outShape mean one thing.
    const joint = broadcastShapes(layer.aShape, layer.bShape)
    if (!joint || joint.join('×') !== layer.outShape.join('×')) {
      context.fail(`${context.where} combines shapes [${layer.aShape.join(', ')}] and [${layer.bShape.join(', ')}] into [${layer.outShape.join(', ')}], which is not their broadcast.`, 'The fixed-point model is inconsistent; recompile it.')
    }
    context.decomposition(layer.shift + layer.bits, `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
    const [ba, bb] = context.inputBits as [number, number]
    const top = (bits: number, up = 0) => 1n << BigInt(bits - 1 + up)
    const bound = layer.op === 'mul' ? top(ba) * top(bb) : top(ba, layer.upshift[0]) + top(bb, layer.upshift[1])
    context.accumulator(bound + abs(BigInt(layer.offset)), layer.op === 'mul' ? 'the product' : 'the scale-aligned sum')
  },
  emit(layer, { component, sources: [a, b], target, addFunctions }) {
    const n = sizeOfShape(layer.outShape)
    const call =
      layer.op === 'mul'
        ? instantiateTemplate(mulRescaleTemplate, { n, offset: layer.offset, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0 })
        : instantiateTemplate(addRescaleTemplate, {
            n, upA: layer.upshift[0], upB: layer.upshift[1], negate: layer.op === 'sub' ? 1 : 0, offset: layer.offset, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0,
          })
    const [ia, ib] = binaryIndices(layer)
    const wire = (port: 'a' | 'b', source: string, index: Int32Array, shape: readonly number[]): string[] => {
      // Same shape as the output: the identity map, one array assignment.
      if (sizeOfShape(shape) === n) return [`    ${component}.${port} <== ${source};`]
      addFunctions([`function ${component}${port.toUpperCase()}Index() {`, `    return [${index.join(',')}];`, '}', ''])
      return [
        `    var ${component}${port.toUpperCase()}[${n}] = ${component}${port.toUpperCase()}Index();`,
        `    for (var i = 0; i < ${n}; i++) {`,
        `        ${component}.${port}[i] <== ${source}[${component}${port.toUpperCase()}[i]];`,
        '    }',
      ]
    }
    return [`    component ${component} = ${call};`, ...wire('a', a!, ia, layer.aShape), ...wire('b', b!, ib, layer.bShape), `    ${target} <== ${component}.out;`]
  },
  // add/sub: RescaleOne's cost on a linear accumulator. mul: the decomposition's sum is the
  // product (a quadratic constraint --O2 keeps), and --O1 also keeps the linear output unless a ReLU's product replaces it.
  // A product with an operand circom sees is the constant 0 (padding wired through) is linear, so --O2 drops its constraint.
  constraints(layer, { o1, constantsOf }) {
    const n = sizeOfShape(layer.outShape)
    if (layer.op !== 'mul') return n * rescaleConstraints(layer, o1)
    const perOutput = layer.shift + layer.bits + 1 + (layer.relu ? 1 : 0) + (o1 && !layer.relu ? 1 : 0)
    let folded = 0
    const [maskA, maskB] = [constantsOf(layer.inputs[0]), constantsOf(layer.inputs[1])]
    if (!o1 && (maskA || maskB)) {
      const [ia, ib] = binaryIndices(layer)
      for (let i = 0; i < n; i++) if (maskA?.[ia[i]!] || maskB?.[ib[i]!]) folded++
    }
    return n * perOutput - folded
  },
  describe: (layer) => `${layer.op} of [${layer.aShape.join('×')}] and [${layer.bShape.join('×')}] → [${layer.outShape.join('×')}]${layer.op === 'mul' ? '' : ` (upshifts ${layer.upshift.join(', ')})`}, ${describeRescale(layer)}`,
  costKind: (layer) => `${layer.op}${layer.relu ? '+relu' : ''}`,
  compareStructure(layer, op, same) {
    if (op.kind === 'binary') same(`layer "${layer.name}" operation and shapes`, [layer.op, layer.aShape, layer.bShape], [op.op, [...op.aShape], [...op.bShape]])
  },
}
