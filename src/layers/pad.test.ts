/**
 * Zero padding (wiring): as emitted, circuit = evaluator, no constraints of
 * its own (the public zero outputs of the tiny circuit are its boundary),
 * forged outputs rejected.
 */
import { describe, expect, it } from 'vitest'
import { B } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'
import { padLayer } from './pad.js'

const random = seededIntegers(19)
function padCase(pads: [number, number, number, number]): LayerCase {
  const inShape: [number, number, number] = [2, 2, 3]
  const outShape: [number, number, number] = [2, 2 + pads[0] + pads[2], 3 + pads[1] + pads[3]]
  const layer: FixedLayer = { kind: 'pad', name: 'pad', input: 'x', output: 'y', scale: 0, bits: B, inShape, outShape, pads }
  const padding = outShape[0] * outShape[1] * outShape[2] - 12
  // Each padding position is a public output fixed to 0: one constraint in this tiny circuit, free in a model.
  return { title: `pads ${pads.join(',')}`, layer, inputSizes: [12], inputs: drawInputs(layer, [12], { random, bits: [B] }).accepted, boundaryConstraints: padding }
}

describeLayerCircuit('pad as emitted', [padCase([1, 1, 1, 1]), padCase([0, 2, 1, 0])])

describe('pad propagates constant positions', () => {
  it('marks the padding and the input\'s own constants', () => {
    const layer: FixedLayer = { kind: 'pad', name: 'pad', input: 'x', output: 'y', scale: 0, bits: B, inShape: [1, 1, 2], outShape: [1, 1, 4], pads: [0, 1, 0, 1] }
    expect(padLayer.constantMask!(layer, [undefined])).toEqual([true, false, false, true])
    expect(padLayer.constantMask!(layer, [[true, false]])).toEqual([true, true, false, true])
  })
})
