import { describe, expect, it } from 'vitest'
import { QuantizeError } from '../errors.js'
import { checkFixedPointWidths, MAX_ACCUMULATOR } from './checkFixedPointWidths.js'
import type { FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { FIXED_POINT_FORMAT } from './fixedPointModel.js'

/** A model x (8-bit) → layer → y, the layer's output being the model output. */
function oneLayer(layer: FixedLayer, { inputBits = 8, outputSize = 1 } = {}): FixedPointModel {
  return {
    format: FIXED_POINT_FORMAT,
    name: 'widths',
    bits: 8,
    weightBits: 8,
    input: { name: 'x', shape: [1], scale: 0, bits: inputBits },
    output: { name: 'y', shape: [outputSize], scale: 0, bits: layer.bits },
    layers: [layer],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}
const io = { name: 'L', input: 'x', output: 'y', scale: 0 }
const dense = (over: Partial<FixedLayer & { kind: 'dense' }> = {}): FixedLayer => ({ kind: 'dense', ...io, bits: 8, shift: 4, relu: false, inFeatures: 1, outFeatures: 1, weight: ['3'], bias: ['0'], weightScale: 0, ...over }) as FixedLayer

describe('checkFixedPointWidths', () => {
  it('accepts models at the limits', () => {
    expect(() => checkFixedPointWidths(oneLayer(dense({ shift: 2, bits: 250 })))).not.toThrow()
    expect(() => checkFixedPointWidths(oneLayer({ kind: 'clip', ...io, bits: 8, size: 1, min: '-128', max: '127' }))).not.toThrow()
  })

  it.each([
    ['a rescale wider than 252 bits', dense({ shift: 10, bits: 243 }), /"L" \(dense\).*253-bit decomposition/],
    ['an accumulator that could wrap the field', dense({ weight: [(MAX_ACCUMULATOR >> 6n).toString()] }), /accumulator can reach 253 bits/],
    ['a bias that alone is too wide', dense({ bias: [(MAX_ACCUMULATOR * 2n).toString()] }), /accumulator/],
    ['a leaky ReLU slope that could wrap', { kind: 'leakyrelu', ...io, bits: 8, size: 1, alpha: (1n << 250n).toString(), alphaShift: 8 } as FixedLayer, /alpha · x can reach/],
    ['a hinge sum that could wrap', { kind: 'pwl', ...io, bits: 8, inputBits: 8, shift: 1, size: 1, fn: 'tanh', base: '0', knots: ['0'], hinges: [(1n << 245n).toString()] } as FixedLayer, /hinge sum/],
    ['a clip bound outside its input width', { kind: 'clip', ...io, bits: 8, size: 1, min: '-129', max: null } as FixedLayer, /bound -129 does not fit/],
    ['a ReLU claiming another width than its input', { kind: 'relu', ...io, bits: 9, size: 1 } as FixedLayer, /declares 9-bit values but passes on a 8-bit input/],
  ])('refuses %s, naming the layer', (_, layer, message) => {
    const error = (() => {
      try {
        checkFixedPointWidths(oneLayer(layer))
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(QuantizeError)
    expect(`${(error as QuantizeError).shortMessage} ${(error as QuantizeError).details}`).toMatch(message)
  })

  it('refuses a concat whose declared width is not its inputs’, or beyond 251 bits', () => {
    const cat = (upshift: number, bits: number): FixedPointModel => ({
      ...oneLayer(dense()),
      output: { name: 'y', shape: [2], scale: 0, bits },
      layers: [
        dense({ output: 'a' }),
        { kind: 'concat', name: 'cat', inputs: ['a', 'x'], output: 'y', scale: 0, bits, upshift: [upshift, 0], source: [[0, 0], [1, 0]] },
      ],
    })
    expect(() => checkFixedPointWidths(cat(4, 12))).not.toThrow()
    expect(() => checkFixedPointWidths(cat(4, 8))).toThrow(/inputs shifted to the common scale are 12-bit/)
    expect(() => checkFixedPointWidths(cat(250, 258))).toThrow(/"cat" \(concat\).*258-bit/)
  })

  it('bounds a committed-weights accumulator for the worst weight set of its widths, not this one', () => {
    const model = oneLayer(dense())
    expect(() => checkFixedPointWidths(model, { committedWidths: new Map([[0, { weights: 40, biases: 48 }]]) })).not.toThrow()
    // This model's weight is 3, but a weight set may put any 250-bit value there: 2^249 · 2^7 wraps.
    expect(() => checkFixedPointWidths(model, { committedWidths: new Map([[0, { weights: 250, biases: 8 }]]) })).toThrow(/any committed weight set/)
  })

  it('refuses an argmax over outputs wider than 251 bits', () => {
    expect(() => checkFixedPointWidths(oneLayer(dense({ shift: 0, bits: 252 })))).toThrow(/argmax.*253-bit/)
  })
})
