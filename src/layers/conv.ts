import { z } from 'zod'
import type { MaxPoolOp } from '../model/ir.js'
import { forEachWindow, forWindow, windowBounds } from '../model/windows.js'
import { circomTemplate, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { convChannelGeometry } from './parts/convChannelGeometry.js'
import type { SignalArray, WitnessScope } from '../witness/witnessScope.js'
import { asBigInts, checkRange, exactInFloat64, exactIntegersInFloat64, rescaleAll, windowMax } from './parts/fixedArithmetic.js'
import { rescaleWitness } from './parts/rescaleWitness.js'
import { comparisonsPerWindow, windowMaxWitness, zeroComparisons } from './parts/windowMaxWitness.js'
import { addendInts, describeRescale, rescaleConstraints, rescaleFor } from './parts/rescale.js'
import { chw, intString, layerBaseShape, pads, pair, poolSchema, rescaleShape, scale } from './parts/schemaParts.js'
import { foldedComparisons } from './parts/windowMaxCost.js'
import { checkLinearWidths } from './parts/widthBounds.js'

/** A 2-d convolution (grouped, strided, padded), optional fused ReLU and max pool, then the rescale. */
export const convSchema = z.object({
  kind: z.literal('conv'),
  ...layerBaseShape,
  ...rescaleShape,
  input: z.string(),
  inShape: chw,
  /** Shape of the convolution itself (before the fused pool). */
  convShape: chw,
  kernel: pair,
  stride: pair,
  pads,
  group: z.number().int().positive(),
  /** Row-major [outChannels][inChannels/group][kh][kw]. */
  weight: z.array(intString),
  bias: z.array(intString),
  weightScale: scale,
  /**
   * A max pool fused before the rescale: max commutes with floor division and
   * ReLU, so pooling the accumulators first needs one rescale per pooled value
   * instead of one per convolution output.
   */
  pool: poolSchema.optional(),
})

export type FixedConvLayer = z.infer<typeof convSchema>

/** One output channel with constant weights: the kernel and bias are template parameters. */
export const convChannelTemplate = circomTemplate('ConvChannel', 'glassbox.circom', [
  'C', 'H', 'W', 'KH', 'KW', 'SH', 'SW', 'PT', 'PL', 'OH', 'OW', 'WK', 'bias', 'k', 'B', 'relu', 'PK', 'PKH', 'PKW', 'PSH', 'PSW', 'PPT', 'PPL', 'POH', 'POW',
])
/** One output channel with the kernel and bias as signals. */
export const convChannelCommittedTemplate = circomTemplate('ConvChannelCommitted', 'committed.circom', [
  'C', 'H', 'W', 'KH', 'KW', 'SH', 'SW', 'PT', 'PL', 'OH', 'OW', 'k', 'B', 'relu', 'PK', 'PKH', 'PKW', 'PSH', 'PSW', 'PPT', 'PPL', 'POH', 'POW',
])

export const convLayer: LayerKind<FixedConvLayer, 'conv'> = {
  kind: 'conv',
  schema: convSchema,
  templates: [convChannelTemplate],
  quantize: {
    // conv [→ relu] [→ maxpool] [→ relu]: ReLU and max pool commute with each other and with the rescale.
    conv(op, context) {
      const [inC, h, w] = op.inShape
      const perIn = inC / op.group
      const perOut = op.outShape[0] / op.group
      const kernelSize = op.kernel[0] * op.kernel[1]
      // Weight k multiplies input channel ⌊m / perOut⌋·perIn + c (m its output channel, c its channel in the group).
      const channelOf = (k: number) => {
        const m = Math.floor(k / (perIn * kernelSize))
        return (Math.floor(m / perOut) * perIn + (Math.floor(k / kernelSize) % perIn)) * h * w
      }
      const weights = context.linearWeights(op.weight, op.input, channelOf, op.name)
      const sIn = context.scaleOf(op.input)
      const preScale = context.scaleFor(op.output, op.name)
      let output = op.output
      let relu = false
      let pool: MaxPoolOp | undefined
      for (let next = context.soleConsumer(output); next && (next.kind === 'relu' || next.kind === 'maxpool'); next = context.soleConsumer(output)) {
        if (next.kind === 'relu' && !relu) relu = true
        else if (next.kind === 'maxpool' && !pool) pool = next
        else break
        context.fuse(next)
        output = next.output
      }
      const { outputScale, shift } = rescaleFor(weights.productScale, preScale)
      return {
        kind: 'conv', name: op.name, input: op.input, output, scale: outputScale, bits: context.bits, shift, relu,
        inShape: [...op.inShape], convShape: [...op.outShape], kernel: [...op.kernel], stride: [...op.stride], pads: [...op.pads], group: op.group,
        weightScale: weights.productScale - sIn, weight: weights.ints, bias: addendInts(op.bias, weights.productScale, shift),
        ...(pool ? { pool: { kernel: [...pool.kernel], stride: [...pool.stride], pads: [...pool.pads], outShape: [...pool.outShape] } } : {}),
      } as FixedConvLayer
    },
  },
  fusedOps: (layer) => (layer.relu ? 1 : 0) + (layer.pool ? 1 : 0),
  inputs: (layer) => [layer.input],
  outputSize(layer) {
    const [c, h, w] = layer.pool?.outShape ?? layer.convShape
    return c * h * w
  },
  outputShape: (layer) => layer.pool?.outShape ?? layer.convShape,
  evaluate: (layer, [x], { float64 }) => evaluateConv(layer, x!, float64),
  witness(layer, [x], scope, { component }) {
    const operands = constantOperands(layer, x!, true)
    const channels = channelComponents(layer, operands, scope, component)
    return poolRescaleWitness(layer, channels, convAccumulators(layer, operands))
  },
  checkWidths(layer, context) {
    checkLinearWidths(layer, { multipliers: layer.weight, addends: layer.bias, perRow: layer.weight.length / layer.bias.length }, context, layer.pool ? { comparison: 'the fused max pool\'s comparison' } : {})
  },
  emit(layer, { component, sources: [x], target }) {
    const { perIn, perOut, inputChannelSize, channelSize, weightsPerChannel, window, pool } = convChannelGeometry(layer)
    const lines: string[] = []
    for (let m = 0; m < layer.convShape[0]; m++) {
      const firstIn = Math.floor(m / perOut) * perIn
      const c = `${component}c${m}`
      const call = instantiateTemplate(convChannelTemplate, {
        ...window, WK: layer.weight.slice(m * weightsPerChannel, (m + 1) * weightsPerChannel), bias: layer.bias[m]!, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0, ...pool,
      })
      lines.push(
        `    component ${c} = ${call};`,
        `    for (var i = 0; i < ${perIn * inputChannelSize}; i++) {`,
        `        ${c}.in[i] <== ${x}[${firstIn * inputChannelSize} + i];`,
        '    }',
        `    for (var i = 0; i < ${channelSize}; i++) {`,
        `        ${target}[${m * channelSize} + i] <== ${c}.out[i];`,
        '    }',
      )
    }
    return lines
  },
  weights: {
    multiplier: 'weight',
    addend: 'bias',
    termsPerAddend: (layer) => (layer.inShape[0] / layer.group) * layer.kernel[0] * layer.kernel[1],
    shift: (layer) => layer.shift,
    // Products of a weight and an in-image input (padding reads zero and costs nothing).
    multiplyAccumulates(layer) {
      const [inC] = layer.inShape
      const [outC, oh, ow] = layer.convShape
      let positions = 0
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) forWindow(layer, y, x, () => positions++)
      return outC * (inC / layer.group) * positions
    },
    multiplierScale: (layer) => layer.weightScale,
    floatWeights: (op) => (op.kind === 'conv' ? { multiplier: op.weight, addend: op.bias } : undefined),
    committedTemplate: convChannelCommittedTemplate,
    emitCommitted(layer, { component, sources: [x], target, segment }) {
      const weight = segment('weight')
      const bias = segment('bias')
      const { perIn, perOut, inputChannelSize, channelSize, weightsPerChannel, window, pool } = convChannelGeometry(layer)
      const lines: string[] = []
      for (let m = 0; m < layer.convShape[0]; m++) {
        const firstIn = Math.floor(m / perOut) * perIn
        const c = `${component}c${m}`
        const call = instantiateTemplate(convChannelCommittedTemplate, { ...window, k: layer.shift, B: layer.bits, relu: layer.relu ? 1 : 0, ...pool })
        lines.push(
          `    component ${c} = ${call};`,
          `    for (var i = 0; i < ${perIn * inputChannelSize}; i++) {`,
          `        ${c}.in[i] <== ${x}[${firstIn * inputChannelSize} + i];`,
          '    }',
          `    for (var i = 0; i < ${weightsPerChannel}; i++) {`,
          `        ${c}.wk[i] <== weights[${weight.start + m * weightsPerChannel} + i];`,
          '    }',
          `    ${c}.bias <== weights[${bias.start + m}];`,
          `    for (var i = 0; i < ${channelSize}; i++) {`,
          `        ${target}[${m * channelSize} + i] <== ${c}.out[i];`,
          '    }',
        )
      }
      return lines
    },
    witnessCommitted(layer, [x], scope, { component, field }) {
      const { weightsPerChannel } = convChannelGeometry(layer)
      const weight = field('weight')
      const bias = field('bias')
      const macs = convLayer.weights!.multiplyAccumulates(layer) / layer.convShape[0]
      const exact = exactIntegersInFloat64(weight, bias, x!, weightsPerChannel)
      const operands: ConvOperands = exact ? { float64: true, ...exact } : { float64: false, weight, bias, x: x! }
      const channels = channelComponents(layer, operands, scope, component)
      const products = channels.map((c, m) => {
        c.signals('wk', [weightsPerChannel]).fill(weight.slice(m * weightsPerChannel, (m + 1) * weightsPerChannel))
        c.signal('bias', bias[m]!)
        return c.signals('prod', [macs])
      })
      return poolRescaleWitness(layer, channels, convAccumulators(layer, operands, products))
    },
  },
  constraints(layer, { o1 }) {
    const outputs = convLayer.outputSize(layer)
    if (!layer.pool) return outputs * rescaleConstraints(layer, o1)
    // Each max of two accumulators: a (shift + bits + 1)-bit decomposition and one product (--O1: and its sum).
    const comparisons = layer.pool.kernel[0] * layer.pool.kernel[1] - 1
    const total = outputs * (comparisons * (layer.shift + layer.bits + 2 + (o1 ? 1 : 0)) + rescaleConstraints(layer, o1))
    // The accumulators are never constant, so only windows with one in-image position fold.
    return total - (o1 ? 0 : foldedComparisons({ ...layer.pool, inShape: layer.convShape }, undefined))
  },
  describe: (layer) =>
    `conv ${layer.inShape.join('×')}→${layer.convShape.join('×')} (${layer.kernel.join('×')}, stride ${layer.stride.join('×')}, group ${layer.group})${layer.pool ? `, max pool ${layer.pool.kernel.join('×')} before the rescale` : ''}, ${describeRescale(layer)}`,
  costKind: (layer) => `conv${layer.pool ? '+maxpool' : ''}${layer.relu ? '+relu' : ''}`,
  compareStructure(layer, op, same) {
    if (op.kind === 'conv') {
      same(`layer "${layer.name}" geometry`, [layer.inShape, layer.convShape, layer.kernel, layer.stride, layer.pads, layer.group], [op.inShape, op.outShape, op.kernel, op.stride, op.pads, op.group])
    }
  },
}

/** The multiply-accumulate operands: doubles when every sum is exact in float64, else BigInts. */
type ConvOperands =
  | { float64: true; weight: Float64Array; bias: Float64Array; x: Float64Array }
  | { float64: false; weight: readonly bigint[]; bias: readonly bigint[]; x: readonly bigint[] }

/** The operands of a layer with constant weights (float64 when asked and exact). */
function constantOperands(layer: FixedConvLayer, x: readonly bigint[], float64: boolean): ConvOperands {
  const exact = float64 ? exactInFloat64(layer, x, convChannelGeometry(layer).weightsPerChannel) : null
  return exact ? { float64: true, ...exact } : { float64: false, weight: asBigInts(layer.weight), bias: asBigInts(layer.bias), x }
}

/**
 * The accumulators bias[m] + Σ w·x of every convolution output, [outC][oh][ow],
 * over the in-image window positions only (padding reads zero) in circom's
 * order (c, i, j). With `products`, also writes each product into
 * `products[m]` in ConvChannelCommitted's `prod` order (y, x, c, i, j).
 */
function convAccumulators(layer: FixedConvLayer, operands: ConvOperands, products?: readonly SignalArray[]): bigint[] {
  const [inC, height, width] = layer.inShape
  const [outC, oh, ow] = layer.convShape
  const [kh, kw] = layer.kernel
  const perGroupIn = inC / layer.group
  const perGroupOut = outC / layer.group
  const acc: bigint[] = new Array(outC * oh * ow)
  if (operands.float64) {
    const { weight, bias, x } = operands
    for (let m = 0; m < outC; m++) {
      const firstIn = Math.floor(m / perGroupOut) * perGroupIn
      const prod = products?.[m]
      let n = 0
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let a = bias[m]!
          const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(layer, y, xx)
          for (let c = 0; c < perGroupIn; c++) {
            for (let i = iFrom; i < iTo; i++) {
              const wRow = ((m * perGroupIn + c) * kh + i) * kw
              const xRow = ((firstIn + c) * height + h0 + i) * width + w0
              if (prod) {
                for (let j = jFrom; j < jTo; j++) {
                  const p = weight[wRow + j]! * x[xRow + j]!
                  prod.setNumber(n++, p)
                  a += p
                }
              } else {
                for (let j = jFrom; j < jTo; j++) a += weight[wRow + j]! * x[xRow + j]!
              }
            }
          }
          acc[(m * oh + y) * ow + xx] = BigInt(a)
        }
      }
    }
  } else {
    const { weight, bias, x } = operands
    for (let m = 0; m < outC; m++) {
      const firstIn = Math.floor(m / perGroupOut) * perGroupIn
      const prod = products?.[m]
      let n = 0
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let a = bias[m]!
          const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(layer, y, xx)
          for (let c = 0; c < perGroupIn; c++) {
            for (let i = iFrom; i < iTo; i++) {
              const wRow = ((m * perGroupIn + c) * kh + i) * kw
              const xRow = ((firstIn + c) * height + h0 + i) * width + w0
              for (let j = jFrom; j < jTo; j++) {
                const p = weight[wRow + j]! * x[xRow + j]!
                prod?.set(n++, p)
                a += p
              }
            }
          }
          acc[(m * oh + y) * ow + xx] = a
        }
      }
    }
  }
  return acc
}

/** With a fused pool, every accumulator must fit shift + bits signed bits: the circuit compares them (the evaluator is the stricter of the two here). */
function checkPooledAccumulators(layer: FixedConvLayer, acc: readonly bigint[]): void {
  if (layer.pool) checkRange(acc, layer.shift + layer.bits, `${layer.name} (accumulators)`)
}

function evaluateConv(layer: FixedConvLayer, x: readonly bigint[], float64: boolean): bigint[] {
  const acc = convAccumulators(layer, constantOperands(layer, x, float64))
  if (!layer.pool) return rescaleAll(acc, layer.shift, layer.bits, layer.relu, layer.name)
  checkPooledAccumulators(layer, acc)
  const pooled: bigint[] = []
  forEachWindow({ ...layer.pool, inShape: layer.convShape }, (positions) => pooled.push(windowMax(acc, positions)))
  return rescaleAll(pooled, layer.shift, layer.bits, layer.relu, layer.name)
}

/**
 * The components `<component>c<m>` of every output channel, each with its `in`
 * (its group's input channels) declared and set: copied from the operands'
 * doubles when the accumulation runs on float64 (every channel of a group
 * reads the same inputs, so this copy is much of the witness's work).
 */
function channelComponents(layer: FixedConvLayer, operands: ConvOperands, scope: WitnessScope, component: string): WitnessScope[] {
  const { perIn, perOut, inputChannelSize } = convChannelGeometry(layer)
  const count = perIn * inputChannelSize
  return Array.from({ length: layer.convShape[0] }, (_, m) => {
    const c = scope.component(`${component}c${m}`)
    const first = Math.floor(m / perOut) * count
    const inputs = c.signals('in', [count])
    if (operands.float64) inputs.fillNumbers(operands.x.subarray(first, first + count))
    else inputs.fill(operands.x.slice(first, first + count))
    return c
  })
}

/**
 * The rest of every channel component of ConvChannel / ConvChannelCommitted
 * given the accumulators: the fused pool's comparisons (`cbits`, `best`;
 * zero without a pool), the rescale bits `rbits` and `out`. Returns the
 * layer's output, channel-major (= evaluate).
 */
function poolRescaleWitness(layer: FixedConvLayer, channels: readonly WitnessScope[], acc: readonly bigint[]): bigint[] {
  const { channelSize, pool } = convChannelGeometry(layer)
  const width = layer.shift + layer.bits
  const window = layer.pool ? pool.PKH * pool.PKW : 1
  const ncmp = comparisonsPerWindow(window)
  const signals = channels.map((c) => ({
    out: c.signals('out', [channelSize]),
    rbits: c.signals('rbits', [channelSize, width]),
    comparisons: { cbits: c.signals('cbits', [channelSize, ncmp, width + 1]), best: c.signals('best', [channelSize, ncmp]), window, n: width + 1 },
  }))
  const out: bigint[] = new Array(channels.length * channelSize)
  const rescale = (m: number, p: number, value: bigint) => {
    const { out: o, rbits } = signals[m]!
    const q = rescaleWitness(rbits, p, value, layer, () => `${layer.name} (output channel ${m})`)
    o.set(p, q)
    out[m * channelSize + p] = q
  }
  if (!layer.pool) {
    for (let m = 0; m < channels.length; m++) {
      for (let p = 0; p < channelSize; p++) {
        zeroComparisons(signals[m]!.comparisons, p)
        rescale(m, p, acc[m * channelSize + p]!)
      }
    }
    return out
  }
  checkPooledAccumulators(layer, acc)
  forEachWindow({ ...layer.pool, inShape: layer.convShape }, (positions, m, y, x) => {
    const p = y * pool.POW + x
    const max = windowMaxWitness(signals[m]!.comparisons, p, acc, positions, () => `${layer.name} (output channel ${m}, pool window)`)
    rescale(m, p, max)
  })
  return out
}

