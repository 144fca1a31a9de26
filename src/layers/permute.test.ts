/**
 * Permutation (wiring): as emitted, circuit = evaluator, no constraints,
 * forged outputs rejected (or the output is the input's own wire).
 */
import { describe, expect, it } from 'vitest'
import { B } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'
import { permuteLayer } from './permute.js'

const random = seededIntegers(20)
function permuteCase(size: number): LayerCase {
  const source = Array.from({ length: size }, (_, i) => i)
  for (let i = size - 1; i > 0; i--) {
    const j = random(0, i)
    ;[source[i], source[j]] = [source[j]!, source[i]!]
  }
  const layer: FixedLayer = { kind: 'permute', name: 'perm', input: 'x', output: 'y', scale: 0, bits: B, source }
  return { title: `size ${size}: [${source}]`, layer, inputSizes: [size], inputs: drawInputs(layer, [size], { random, bits: [B] }).accepted }
}

describeLayerCircuit('permute as emitted', [permuteCase(5), permuteCase(8)])

describe('permute propagates constant positions', () => {
  it('moves the mask with the values', () => {
    const layer: FixedLayer = { kind: 'permute', name: 'perm', input: 'x', output: 'y', scale: 0, bits: B, source: [2, 0, 1] }
    expect(permuteLayer.constantMask!(layer, [[true, false, false]])).toEqual([false, true, false])
    expect(permuteLayer.constantMask!(layer, [undefined])).toBeUndefined()
  })
})
