import { z } from 'zod'
import { broadcastIndex, broadcastShapes } from '../model/broadcast.js'
import { circomTemplate, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { rescaleAll } from './parts/fixedArithmetic.js'
import { describeRescale, rescaleFor } from './parts/rescale.js'
import { intString, layerBaseShape, rescaleShape, size } from './parts/schemaParts.js'
import { abs } from './parts/widthBounds.js'
import { rescaleWitness } from './parts/rescaleWitness.js'
import type { SignalArray } from '../witness/witnessScope.js'

/**
 * The batched product of two computed tensors (attention's Q·Kᵀ and
 * scores·V): for every batch entry t (the batch dims of a and b broadcast to
 * `batch`), out[t] = rescale(a[t]·b[t] + offset) with a[t] an m×k and b[t] a
 * k×n matrix, at the product scale 2^(s_a + s_b) rescaled to the calibrated
 * output scale (floor division, range-checked, `offset` = 2^(shift−1)), optional fused ReLU.
 */
export const matmulSchema = z.object({
  kind: z.literal('matmul'),
  ...layerBaseShape,
  ...rescaleShape,
  inputs: z.tuple([z.string(), z.string()]),
  aBatch: z.array(size),
  bBatch: z.array(size),
  batch: z.array(size),
  m: size,
  k: size,
  n: size,
  /** Added to each dot product before the rescale (the rounding offset). */
  offset: intString,
})

export type FixedMatMulLayer = z.infer<typeof matmulSchema>

export const matMulRescaleTemplate = circomTemplate('MatMulRescale', 'tensorOps.circom', ['m', 'K', 'n', 'offset', 'k', 'B', 'relu'])

const sizeOfShape = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1)

/** For each batch entry, the matrix of a and of b it multiplies (batch broadcasting resolved). */
export function matmulBatches(layer: FixedMatMulLayer): [Int32Array, Int32Array] {
  return [broadcastIndex(layer.aBatch, layer.batch), broadcastIndex(layer.bBatch, layer.batch)]
}

// Dot products in float64 are exact while every partial sum stays below 2^53.
const FLOAT64_EXACT = 2 ** 53

/**
 * Every output's accumulator, dot product + offset (float64 where exact, else
 * BigInt). With `products`, also writes MatMulRescale's product signals of
 * batch entry t: products[i][j][l] = a[i][l]·b[l][j] for l < k − 1 (the last
 * product is the decomposition's own constraint).
 */
function matmulAccumulators(layer: FixedMatMulLayer, a: readonly bigint[], b: readonly bigint[], float64: boolean, products?: (t: number) => SignalArray): bigint[] {
  const { m, k, n } = layer
  const [ta, tb] = matmulBatches(layer)
  const offset = BigInt(layer.offset)
  const acc: bigint[] = new Array(ta.length * m * n)
  let maxA = 0n
  let maxB = 0n
  for (const v of a) if (abs(v) > maxA) maxA = abs(v)
  for (const v of b) if (abs(v) > maxB) maxB = abs(v)
  const exact = float64 && Number(maxA) * Number(maxB) * k + Number(abs(offset)) < FLOAT64_EXACT / 2
  const af = exact ? Float64Array.from(a, Number) : undefined
  const bf = exact ? Float64Array.from(b, Number) : undefined
  const stride = k > 1 ? k - 1 : 1
  for (let t = 0; t < ta.length; t++) {
    const a0 = ta[t]! * m * k
    const b0 = tb[t]! * k * n
    const sink = products?.(t)
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const at = (i * n + j) * stride
        let dot: bigint
        if (af && bf) {
          let s = 0
          for (let l = 0; l < k; l++) {
            const p = af[a0 + i * k + l]! * bf[b0 + l * n + j]!
            if (sink && l < k - 1) sink.setNumber(at + l, p)
            s += p
          }
          dot = BigInt(s)
        } else {
          dot = 0n
          for (let l = 0; l < k; l++) {
            const p = a[a0 + i * k + l]! * b[b0 + l * n + j]!
            if (sink && l < k - 1) sink.set(at + l, p)
            dot += p
          }
        }
        acc[(t * m + i) * n + j] = dot + offset
      }
    }
  }
  return acc
}

export const matmulLayer: LayerKind<FixedMatMulLayer, 'matmul'> = {
  kind: 'matmul',
  schema: matmulSchema,
  templates: [matMulRescaleTemplate],
  quantize: {
    // matmul [→ relu]: the ReLU commutes into the rescale.
    matmul(op, context) {
      const next = context.soleConsumer(op.output)
      const relu = next?.kind === 'relu'
      if (relu) context.fuse(next)
      const [a, b] = op.inputs
      const { outputScale, shift } = rescaleFor(context.scaleOf(a) + context.scaleOf(b), context.scaleFor(op.output, op.name))
      return {
        kind: 'matmul', name: op.name, inputs: [a, b], output: relu ? next.output : op.output, scale: outputScale, bits: context.bits, shift, relu,
        aBatch: [...op.aBatch], bBatch: [...op.bBatch], batch: [...op.batch], m: op.m, k: op.k, n: op.n, offset: (shift > 0 ? 1n << BigInt(shift - 1) : 0n).toString(),
      }
    },
  },
  inputs: (layer) => layer.inputs,
  outputSize: (layer) => sizeOfShape(layer.batch) * layer.m * layer.n,
  evaluate: (layer, [a, b], { float64 }) => rescaleAll(matmulAccumulators(layer, a!, b!, float64), layer.shift, layer.bits, layer.relu, layer.name),
  witness(layer, [a, b], scope, { component }) {
    const { m, k, n } = layer
    const [ta, tb] = matmulBatches(layer)
    const entries = Array.from(ta, (_, t) => {
      const c = scope.component(`${component}b${t}`)
      c.signals('a', [m, k]).fill(a!.slice(ta[t]! * m * k, (ta[t]! + 1) * m * k))
      c.signals('b', [k, n]).fill(b!.slice(tb[t]! * k * n, (tb[t]! + 1) * k * n))
      // With K = 1 the template still declares one (never assigned, so 0) product per output.
      return { c, products: c.signals('products', [m, n, k > 1 ? k - 1 : 1]), bits: c.signals('bits', [m, n, layer.shift + layer.bits]) }
    })
    const acc = matmulAccumulators(layer, a!, b!, true, (t) => entries[t]!.products)
    const out = acc.map((value, at) => rescaleWitness(entries[Math.floor(at / (m * n))]!.bits, at % (m * n), value, layer, layer.name))
    entries.forEach(({ c }, t) => c.signals('out', [m, n]).fill(out.slice(t * m * n, (t + 1) * m * n)))
    return out
  },
  checkWidths(layer, context) {
    const joint = broadcastShapes(layer.aBatch, layer.bBatch)
    if (!joint || joint.join('×') !== layer.batch.join('×')) {
      context.fail(`${context.where} multiplies batches [${layer.aBatch.join(', ')}] and [${layer.bBatch.join(', ')}] into [${layer.batch.join(', ')}], which is not their broadcast.`, 'The fixed-point model is inconsistent; recompile it.')
    }
    context.decomposition(layer.shift + layer.bits, `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
    const [ba, bb] = context.inputBits as [number, number]
    const bound = BigInt(layer.k) * (1n << BigInt(ba - 1)) * (1n << BigInt(bb - 1)) + abs(BigInt(layer.offset))
    context.accumulator(bound, `its dot products (${layer.k} terms)`)
  },
  emit(layer, { component, sources: [a, b], target }) {
    const { m, k, n } = layer
    const [ta, tb] = matmulBatches(layer)
    const call = instantiateTemplate(matMulRescaleTemplate, { m, K: k, n, offset: layer.offset, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0 })
    const lines: string[] = []
    // One component per batch entry, so no generated function grows with the batch.
    for (let t = 0; t < ta.length; t++) {
      const c = `${component}b${t}`
      lines.push(
        `    component ${c} = ${call};`,
        `    for (var i = 0; i < ${m}; i++) {`,
        `        for (var l = 0; l < ${k}; l++) {`,
        `            ${c}.a[i][l] <== ${a}[${ta[t]! * m * k} + i * ${k} + l];`,
        '        }',
        '    }',
        `    for (var l = 0; l < ${k}; l++) {`,
        `        for (var j = 0; j < ${n}; j++) {`,
        `            ${c}.b[l][j] <== ${b}[${tb[t]! * k * n} + l * ${n} + j];`,
        '        }',
        '    }',
        `    for (var i = 0; i < ${m}; i++) {`,
        `        for (var j = 0; j < ${n}; j++) {`,
        `            ${target}[${t * m * n} + i * ${n} + j] <== ${c}.out[i][j];`,
        '        }',
        '    }',
      )
    }
    return lines
  },
  // Per output: k − 1 product signals, the (shift + bits)-bit decomposition whose sum
  // constraint carries the last product, the ReLU's product; --O1 also keeps the linear output without a ReLU.
  // A product with an operand circom sees is the constant 0 (padding wired through) is linear, so --O2 drops its constraint.
  constraints(layer, { o1, constantsOf }) {
    const { m, k, n } = layer
    const perOutput = k - 1 + layer.shift + layer.bits + 1 + (layer.relu ? 1 : 0) + (o1 && !layer.relu ? 1 : 0)
    const [maskA, maskB] = [constantsOf(layer.inputs[0]), constantsOf(layer.inputs[1])]
    let folded = 0
    if (!o1 && (maskA || maskB)) {
      const [ta, tb] = matmulBatches(layer)
      for (let t = 0; t < ta.length; t++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            for (let l = 0; l < k; l++) if (maskA?.[ta[t]! * m * k + i * k + l] || maskB?.[tb[t]! * k * n + l * n + j]) folded++
          }
        }
      }
    }
    return sizeOfShape(layer.batch) * m * n * perOutput - folded
  },
  describe: (layer) => `matmul [${[...layer.batch, layer.m, layer.k].join('×')}]·[${layer.k}×${layer.n}] of two tensors, ${describeRescale(layer)}`,
  costKind: (layer) => `matmul${layer.relu ? '+relu' : ''}`,
  compareStructure(layer, op, same) {
    if (op.kind === 'matmul') same(`layer "${layer.name}" geometry`, [layer.aBatch, layer.bBatch, layer.m, layer.k, layer.n], [[...op.aBatch], [...op.bBatch], op.m, op.k, op.n])
  },
}
