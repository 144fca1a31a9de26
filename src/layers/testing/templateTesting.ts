/**
 * Helpers of the template-level tests (a template compiled as the main
 * component with literal parameters), shared by src/layers/<kind>.test.ts and
 * test/circuits/templates.test.ts. Test support only.
 */
import { expect } from 'vitest'
import type { CircuitTester } from '../../../test/support/circuitTester.js'
import { compileTestCircuit } from '../../../test/support/circuitTester.js'
import type { Signals } from '../../../test/support/forgery.js'
import { attackerBits } from '../../../test/support/forgery.js'
import { estimateConstraints } from '../../compile/estimateConstraints.js'
import { evaluateFixed } from '../../quantize/evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from '../../quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../quantize/fixedPointModel.js'

/** The activation width of the template tests. */
export const B = 8
export const TIMEOUT = 180_000
export const LEVELS = [1, 2] as const

/** Compiles `component main <main>` over circuits/glassbox.circom. */
export const compileMain = (main: string, optimization: 1 | 2 = 2) =>
  compileTestCircuit(`pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main ${main};\n`, { optimization })

/** A model of one layer reading `x` and writing `y`, so evaluateFixed is the reference and estimateConstraints the cost. */
export function oneLayer(layer: FixedLayer, inputSize: number, outputSize: number): FixedPointModel {
  return {
    format: FIXED_POINT_FORMAT,
    name: 'one-layer',
    bits: B,
    weightBits: B,
    input: { name: 'x', shape: [inputSize], scale: 0, bits: B },
    output: { name: 'y', shape: [outputSize], scale: 0, bits: layer.bits },
    layers: [layer],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}

/** The name and tensors of the layer in {@link oneLayer}. */
export const io = { name: 'layer', input: 'x', output: 'y', scale: 0 }

/** estimateConstraints' count for the layer of a {@link oneLayer} model. */
export const layerCost = (model: FixedPointModel) => estimateConstraints(model).find((p) => p.name === 'layer')!.constraints

/** `main.out[0..n)` of a witness. */
export const outputs = (t: CircuitTester, w: readonly bigint[], n: number) => Array.from({ length: n }, (_, i) => t.read(w, `main.out[${i}]`))

export async function expectMatchesEvaluator(t: CircuitTester, model: FixedPointModel, inputs: bigint[][]): Promise<void> {
  for (const x of inputs) {
    const expected = evaluateFixed(model, x).outputQ
    const w = await t.expectPass({ in: x })
    expect(outputs(t, w, expected.length), `[${x}]`).toEqual(expected)
  }
}

export const floorDiv = (a: bigint, k: number) => a >> BigInt(k)
export const max0 = (v: bigint) => (v > 0n ? v : 0n)

/** Where a rescale keeps its decomposition: RescaleOne in a BitsOf, DenseRescale and AffineRescale inline. */
export type RescaleNames = { bit: (t: number) => string; out: string; value?: string }
export const rescaleOneNames = (prefix: string): RescaleNames => ({ bit: (t) => `${prefix}.bits.bits[${t}]`, out: `${prefix}.out`, value: `${prefix}.bits.value` })
export const inlineNames = (j: number): RescaleNames => ({ bit: (t) => `main.bits[${j}][${t}]`, out: `main.out[${j}]` })

/** Every named signal of a rescale for a claimed acc = q·2^k + r. */
export function rescaleSignals(names: RescaleNames, acc: bigint, q: bigint, r: bigint, k: number, b: number, useRelu: boolean, mode: 'carry' | 'wrap' = 'carry'): Signals {
  const low = attackerBits(r, k, mode)
  const high = attackerBits(q + (1n << BigInt(b - 1)), b, mode)
  const values: Signals = { [names.out]: useRelu ? q * high[b - 1]! : q }
  if (names.value) values[names.value] = acc + (1n << BigInt(k + b - 1))
  ;[...low, ...high].forEach((bit, t) => (values[names.bit(t)] = bit))
  return values
}

/** The rescale shift of the template tests. */
export const K = 3
export const floorShift = (acc: bigint, k: number) => acc >> BigInt(k)
export const relu = (v: bigint) => (v < 0n ? 0n : v)
