/**
 * Concatenation with upshifts (wiring): as emitted, circuit = evaluator, no
 * constraints of its own, forged outputs rejected.
 */
import { describe, expect, it } from 'vitest'
import { B } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'
import { concatLayer } from './concat.js'

const random = seededIntegers(21)
function concatCase(upshift: [number, number]): LayerCase {
  const source: [number, number][] = [[1, 0], [0, 0], [1, 2], [0, 1], [1, 1]]
  const bits = Math.max(6 + upshift[0], 6 + upshift[1])
  const layer: FixedLayer = { kind: 'concat', name: 'cat', inputs: ['a', 'b'], output: 'y', scale: 0, bits, upshift, source }
  // An upshifted public output is a multiple of a private input: --O1 keeps that linear
  // constraint in this tiny circuit, --O2 substitutes the input away; in a model it is free.
  const scaled = source.filter(([which]) => upshift[which]! > 0).length
  return { title: `upshift ${upshift.join(',')}`, layer, inputSizes: [2, 3], inputs: drawInputs(layer, [2, 3], { random, bits: [6, 6] }).accepted, boundaryConstraints: { 1: scaled, 2: 0 } }
}

describeLayerCircuit('concat as emitted', [concatCase([0, 0]), concatCase([2, 0])])

describe('concat propagates constant positions', () => {
  it('takes each value\'s mask from its input', () => {
    const layer: FixedLayer = { kind: 'concat', name: 'cat', inputs: ['a', 'b'], output: 'y', scale: 0, bits: B, upshift: [0, 0], source: [[1, 0], [0, 0]] }
    expect(concatLayer.constantMask!(layer, [[true], undefined])).toEqual([false, true])
    expect(concatLayer.constantMask!(layer, [undefined, undefined])).toBeUndefined()
  })
})
