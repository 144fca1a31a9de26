import { z } from 'zod'
import { forEachWindow } from '../model/windows.js'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { windowMax } from './parts/fixedArithmetic.js'
import { comparisonsPerWindow, windowMaxWitness, zeroComparisons } from './parts/windowMaxWitness.js'
import { chw, layerBaseShape, pads, pair } from './parts/schemaParts.js'
import { foldedComparisons } from './parts/windowMaxCost.js'

/** A max pool on its own (one not fused into the convolution before it). Padding is never selected. */
export const maxPoolSchema = z.object({ kind: z.literal('maxpool'), ...layerBaseShape, input: z.string(), inShape: chw, outShape: chw, kernel: pair, stride: pair, pads })

export type FixedMaxPoolLayer = z.infer<typeof maxPoolSchema>

export const maxPoolTemplate = circomTemplate('MaxPool2d', 'glassbox.circom', ['C', 'H', 'W', 'KH', 'KW', 'SH', 'SW', 'PT', 'PL', 'OH', 'OW', 'B'])

export const maxPoolLayer: LayerKind<FixedMaxPoolLayer, 'maxpool'> = {
  kind: 'maxpool',
  schema: maxPoolSchema,
  templates: [maxPoolTemplate],
  quantize: {
    maxpool: (op, context) => ({
      kind: 'maxpool', name: op.name, input: op.input, output: op.output, scale: context.scaleOf(op.input), bits: context.bitsOf(op.input),
      inShape: [...op.inShape], outShape: [...op.outShape], kernel: [...op.kernel], stride: [...op.stride], pads: [...op.pads],
    }),
  },
  inputs: (layer) => [layer.input],
  outputSize: ({ outShape: [c, h, w] }) => c * h * w,
  evaluate(layer, [x]) {
    const out: bigint[] = []
    forEachWindow(layer, (positions) => out.push(windowMax(x!, positions)))
    return out
  },
  witness(layer, [x], scope, { component }) {
    const c = scope.component(component)
    const size = maxPoolLayer.outputSize(layer)
    const window = layer.kernel[0] * layer.kernel[1]
    const ncmp = comparisonsPerWindow(window)
    c.signals('in', [x!.length]).fill(x!)
    const out = c.signals('out', [size])
    const comparisons = { cbits: c.signals('cbits', [size, ncmp, layer.bits + 1]), best: c.signals('best', [size, ncmp]), window, n: layer.bits + 1 }
    const values: bigint[] = []
    let p = 0
    forEachWindow(layer, (positions) => {
      if (window === 1) zeroComparisons(comparisons, p)
      const max = windowMaxWitness(comparisons, p, x!, positions, layer.name)
      out.set(p++, max)
      values.push(max)
    })
    return values
  },
  checkWidths(layer, context) {
    context.sameAsInput()
    context.decomposition(layer.bits + 1, 'each comparison')
  },
  emit(layer, { component, sources: [x], target }) {
    const [C, H, W] = layer.inShape
    const [, OH, OW] = layer.outShape
    const call = instantiateTemplate(maxPoolTemplate, {
      C, H, W, KH: layer.kernel[0], KW: layer.kernel[1], SH: layer.stride[0], SW: layer.stride[1], PT: layer.pads[0], PL: layer.pads[1], OH, OW, B: layer.bits,
    })
    return emitComponent({ component, call, source: x!, target })
  },
  // Each max of two values: a (B + 1)-bit decomposition of their difference and one product (--O1: and its sum).
  constraints(layer, { o1, constantsOf }) {
    const total = maxPoolLayer.outputSize(layer) * (layer.kernel[0] * layer.kernel[1] - 1) * (layer.bits + 2 + (o1 ? 1 : 0))
    return total - (o1 ? 0 : foldedComparisons(layer, constantsOf(layer.input)))
  },
  describe: (layer) => `max pool ${layer.kernel.join('×')} on ${layer.inShape.join('×')}`,
  costKind: () => 'maxpool',
  compareStructure(layer, op, same) {
    if (op.kind === 'maxpool') {
      same(`layer "${layer.name}" geometry`, [layer.inShape, layer.outShape, layer.pads], [op.inShape, op.outShape, op.pads])
      same(`layer "${layer.name}" window`, [layer.kernel, layer.stride], [op.kernel, op.stride])
    }
  },
}
