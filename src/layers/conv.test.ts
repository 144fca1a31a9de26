/**
 * The convolution (ConvChannel per output channel, optional fused ReLU and
 * max pool): as emitted, on random small images, kernels, strides, pads,
 * groups and pools, circuit = evaluator at --O1/--O2, exact cost (including
 * the comparisons --O2 folds for one-position pool windows), forged outputs
 * rejected, overflow refused; then the template tests.
 */
import { describe, expect, it } from 'vitest'
import { bitNames, expectOnlyHonest, grid } from '../../test/support/forgery.js'
import { B, TIMEOUT, LEVELS, compileMain as compile, oneLayer, io, layerCost, expectMatchesEvaluator, floorDiv, max0 } from './testing/templateTesting.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import type { FixedLayer } from '../quantize/fixedPointModel.js'
import { describeLayerCircuit, drawInputs, seededIntegers } from './testing/layerHarness.js'
import type { LayerCase } from './testing/layerHarness.js'

const random = seededIntegers(14)
const outSize = (size: number, kernel: number, stride: number, before: number, after: number) => Math.floor((size + before + after - kernel) / stride) + 1
type ConvCaseSpec = {
  c: number; h: number; w: number; outC: number; group: number; k: number; stride: number; pads: [number, number, number, number]; pool: boolean; relu: boolean; shift: number
  /** The fused pool's window and stride (default 2×2, stride 1). */
  poolKernel?: number; poolStride?: number
  /** Weights and biases scaled by 2^scaleUp (wide constants: the accumulation leaves float64 for BigInt). */
  scaleUp?: number
}
function convCase(title: string, { c, h, w, outC, group, k, stride, pads, pool, relu, shift, poolKernel = 2, poolStride = 1, scaleUp = 0 }: ConvCaseSpec): LayerCase {
  const oh = outSize(h, k, stride, pads[0], pads[2])
  const ow = outSize(w, k, stride, pads[1], pads[3])
  const scaled = (v: number) => String(BigInt(v) << BigInt(scaleUp))
  const layer = {
    kind: 'conv', name: 'conv', input: 'x', output: 'y', scale: 0, bits: B, shift, relu, inShape: [c, h, w], convShape: [outC, oh, ow], kernel: [k, k], stride: [stride, stride], pads, group, weightScale: 0,
    weight: Array.from({ length: outC * (c / group) * k * k }, () => scaled(random(-6, 6))), bias: Array.from({ length: outC }, () => scaled(random(-16, 16))),
    ...(pool ? { pool: { kernel: [poolKernel, poolKernel], stride: [poolStride, poolStride], pads: [0, 0, 0, 0], outShape: [outC, outSize(oh, poolKernel, poolStride, 0, 0), outSize(ow, poolKernel, poolStride, 0, 0)] } } : {}),
  } as FixedLayer
  const { accepted, rejected } = drawInputs(layer, [c * h * w], { random, bits: [B], count: 2 })
  // With a fused pool the evaluator is stricter than the circuit: it refuses any accumulator
  // outside shift + bits signed bits, where the circuit only needs the differences it compares
  // to fit one bit more (and the pooled maximum to rescale into range). Out-of-range inputs of
  // a pooled conv are tested below ("fails witness generation when the pooled value overflows").
  return { title, layer, inputSizes: [c * h * w], inputs: accepted, ...(pool ? {} : { rejected }) }
}

describeLayerCircuit('conv as emitted', [
  convCase('2→2 channels, 2×2 kernel, pad 1 top/left, ReLU + 2×2 max pool', { c: 2, h: 3, w: 3, outC: 2, group: 1, k: 2, stride: 1, pads: [1, 1, 0, 0], pool: true, relu: true, shift: 3 }),
  convCase('depthwise (group 2), stride 2, asymmetric pads', { c: 2, h: 4, w: 3, outC: 2, group: 2, k: 2, stride: 2, pads: [0, 1, 1, 0], pool: false, relu: false, shift: 2 }),
  convCase('one channel, 3×3 kernel on 3×4, no pad, max pool', { c: 1, h: 3, w: 4, outC: 1, group: 1, k: 2, stride: 1, pads: [0, 0, 0, 0], pool: true, relu: false, shift: 4 }),
  convCase('fused 1×1 pool of stride 2 (one-position windows, no comparison)', { c: 2, h: 3, w: 3, outC: 2, group: 1, k: 2, stride: 1, pads: [1, 1, 1, 1], pool: true, relu: true, shift: 3, poolKernel: 1, poolStride: 2 }),
  // Constants of 50 bits: products beyond 2^53, so the evaluator and the witness accumulate on BigInt.
  convCase('50-bit weights (BigInt accumulation), ReLU', { c: 2, h: 3, w: 3, outC: 2, group: 1, k: 2, stride: 1, pads: [0, 0, 0, 0], pool: false, relu: true, shift: 49, scaleUp: 46 }),
])

describe('ConvChannel', () => {
  // Two input channels 3×3, a 2×2 kernel with padding 1 (top/left) → 3×3, ReLU, then a fused 2×2 max pool → 2×2.
  const weight = [3, -2, 1, 4, -1, 2, -3, 1]
  const conv = (pool: boolean): FixedLayer => ({
    kind: 'conv', ...io, bits: B, shift: 3, relu: true, inShape: [2, 3, 3], convShape: [1, 3, 3], kernel: [2, 2], stride: [1, 1], pads: [1, 1, 0, 0],
    group: 1, weight: weight.map(String), bias: ['5'], weightScale: 0,
    ...(pool ? { pool: { kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], outShape: [1, 2, 2] } } : {}),
  }) as FixedLayer
  const main = (pool: boolean) =>
    `= ConvChannel(2, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3, [${weight}], 5, 3, ${B}, 1, ${pool ? '1, 2, 2, 1, 1, 0, 0, 2, 2' : '0, 1, 1, 1, 1, 0, 0, 1, 1'})`
  const inputs = [Array.from({ length: 18 }, (_, i) => BigInt(((i * 37) % 101) - 50)), Array.from({ length: 18 }, (_, i) => BigInt(i % 2 ? -i * 3 : i * 2)), Array(18).fill(-20n)]

  it.each([false, true])('passes with evaluateFixed’s outputs (pool = %s)', async (pool) => {
    const t = await compile(main(pool))
    await expectMatchesEvaluator(t, oneLayer(conv(pool), 18, pool ? 4 : 9), inputs)
  }, TIMEOUT)

  it('fails witness generation when the pooled value overflows B bits', async () => {
    // The window of output (1, 1) sees input rows and columns 0..1 of both channels: signs matched to the weights.
    const x: bigint[] = Array(18).fill(0n)
    ;[[0, 127n], [1, -128n], [3, 127n], [4, 127n], [9, -128n], [10, 127n], [12, -128n], [13, 127n]].forEach(([i, v]) => (x[i as number] = v as bigint))
    const t = await compile(main(true))
    expect(() => evaluateFixed(oneLayer(conv(true), 18, 4), x)).toThrow()
    await t.expectFail({ in: x })
  }, TIMEOUT)

  it.each(LEVELS)('accepts only floor(max / 2^k) (with and without ReLU) over every bit assignment (k = 1, B = 2, --O%i)', async (O) => {
    for (const relu of [0, 1]) {
      // Two 1×1 convolutions (weight 1, bias 0) of a 1×2 image pooled by a 1×2 window: out = rescale(max(a, b)).
      const t = await compile(`= ConvChannel(1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 2, [1], 0, 1, 2, ${relu}, 1, 1, 2, 1, 1, 0, 0, 1, 1)`, O)
      await expectOnlyHonest({
        t,
        inputs: grid(2, -6, 6),
        bits: [...bitNames('main.cbits[0][0]', 4), ...bitNames('main.rbits[0]', 3)],
        derive: ([a, b], bit) => {
          const best = b! + bit('main.cbits[0][0][3]') * (a! - b!)
          const q = bit('main.rbits[0][1]') + 2n * bit('main.rbits[0][2]') - 2n
          return { 'main.best[0][0]': best, 'main.out[0]': relu ? q * bit('main.rbits[0][2]') : q }
        },
        expected: ([a, b]) => {
          const q = floorDiv(a! > b! ? a! : b!, 1)
          return { 'main.out[0]': relu ? max0(q) : q }
        },
      })
    }
  }, TIMEOUT)

  it.each([false, true])('costs what estimateConstraints says for one output channel (pool = %s)', async (pool) => {
    expect((await compile(main(pool))).constraintCount).toBe(layerCost(oneLayer(conv(pool), 18, pool ? 4 : 9)))
  }, TIMEOUT)
})
