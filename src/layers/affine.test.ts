/**
 * The elementwise affine layer (AffineRescale): as emitted, on random sizes,
 * circuit = evaluator, exact cost at --O1/--O2, forged outputs rejected,
 * overflow refused; then the template with literal parameters.
 */
import { describe, expect, it } from 'vitest'
import { B, TIMEOUT, compileMain as compile, floorShift } from './testing/templateTesting.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(12)
function affineCase(title: string, size: number, shift: number, relu: boolean): LayerCase {
  const layer: FixedLayer = {
    kind: 'affine', name: 'bn', input: 'x', output: 'y', scale: 0, bits: B, shift, relu, size, factorScale: 0,
    factor: Array.from({ length: size }, () => String(random(-12, 12))), offset: Array.from({ length: size }, () => String(random(-30, 30))),
  }
  const { accepted, rejected } = drawInputs(layer, [size], { random, bits: [B] })
  return { title, layer, inputSizes: [size], inputs: accepted, rejected }
}

describeLayerCircuit('affine as emitted', [affineCase('size 4, shift 2, ReLU', 4, 2, true), affineCase('size 3, shift 3', 3, 3, false)])

describe.each([1, 2] as const)('AffineRescale at --O%i', (O) => {
  const A = [3n, -5n, 1n]
  const C = [2n, -2n, 7n]
  const affineMain = `= AffineRescale(3, [${A.join(',')}], [${C.join(',')}], 2, ${B}, 0)`
  const affine = (x: bigint[]) => x.map((v, i) => floorShift(A[i]! * v + C[i]!, 2))

  it('AffineRescale: honest values pass, overflow fails, forged outputs are rejected', async () => {
    const t = await compile(affineMain, O)
    for (const x of [[1n, 2n, 3n], [-128n, 25n, -128n], [101n, -51n, 0n]]) {
      const expected = affine(x)
      await t.expectPass({ in: x }, Object.fromEntries(expected.map((v, i) => [`main.out[${i}]`, v])))
    }
    await t.expectFail({ in: [1000n, 0n, 0n] })
    const w = await t.witness({ in: [101n, -51n, 0n] })
    expect(t.checkConstraints(t.forge(w, { 'main.out[1]': affine([101n, -51n, 0n])[1]! - 1n })).ok).toBe(false)
  }, TIMEOUT)
})
