/**
 * The committed-weights convolution (ConvChannelCommitted per output channel,
 * its kernel and bias read from the private `weights` input as
 * `emitCommitted` wires them): glassbox's witness mirror
 * (`weights.witnessCommitted`) gives circom's witness wire for wire at --O1
 * and --O2, with and without a fused max pool (a 1-position pool included),
 * on weights exact in float64 and on weights wide enough to need BigInt; the
 * outputs equal the constant-weights evaluator on the same weights; inputs
 * out of range make both the mirror and circom refuse.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileTestCircuit } from '../../test/support/circuitTester.js'
import type { CircuitTester } from '../../test/support/circuitTester.js'
import { toField } from '../field/fieldElement.js'
import type { WeightSegment } from '../weights/weightLayout.js'
import { buildWitnessPlan } from '../witness/witnessPlan.js'
import { createWitnessScope } from '../witness/witnessScope.js'
import type { FixedConvLayer } from './conv.js'
import { convLayer } from './conv.js'
import { exactIntegersInFloat64 } from './parts/fixedArithmetic.js'
import type { WeightField } from './layerKind.js'
import { drawInputs, evaluateLayer, seededIntegers } from './testing/layerHarness.js'
import { B, LEVELS, TIMEOUT } from './testing/templateTesting.js'

type Pool = { kernel: number; stride: number }
type ConvCase = { c: number; h: number; w: number; outC: number; group: number; k: number; stride: number; pads: [number, number, number, number]; pool?: Pool; relu: boolean; shift: number; weightBits: number; biasBits: number }

const random = seededIntegers(31)
const outSize = (size: number, kernel: number, stride: number, before: number, after: number) => Math.floor((size + before + after - kernel) / stride) + 1
/** A random signed value of `bits` bits (wide ones as a 20-bit high part and up to 20 random low bits). */
function wide(bits: number): bigint {
  if (bits <= 20) return BigInt(random(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
  const low = Math.min(20, bits - 20)
  return BigInt(random(-(2 ** 19), 2 ** 19 - 1)) * 2n ** BigInt(bits - 20) + BigInt(random(0, 2 ** low - 1))
}

function convLayerOf({ c, h, w, outC, group, k, stride, pads, pool, relu, shift, weightBits, biasBits }: ConvCase): FixedConvLayer {
  const oh = outSize(h, k, stride, pads[0], pads[2])
  const ow = outSize(w, k, stride, pads[1], pads[3])
  return {
    kind: 'conv', name: 'conv', input: 'x', output: 'y', scale: 0, bits: B, shift, relu, inShape: [c, h, w], convShape: [outC, oh, ow], kernel: [k, k], stride: [stride, stride], pads, group, weightScale: 0,
    weight: Array.from({ length: outC * (c / group) * k * k }, () => String(wide(weightBits))),
    bias: Array.from({ length: outC }, () => String(wide(biasBits))),
    ...(pool ? { pool: { kernel: [pool.kernel, pool.kernel], stride: [pool.stride, pool.stride], pads: [0, 0, 0, 0], outShape: [outC, outSize(oh, pool.kernel, pool.stride, 0, 0), outSize(ow, pool.kernel, pool.stride, 0, 0)] } } : {}),
  }
}

/** The one-layer circuit of the committed variant: `in`, the private `weights` (the weight segment, then the bias segment), the lines of `emitCommitted` into `t`, copied to `out`. */
function committedSource(layer: FixedConvLayer): { source: string; segments: Record<WeightField, WeightSegment> } {
  const segment = (field: WeightField, start: number, count: number): WeightSegment => ({ layer: layer.name, layerIndex: 0, kind: 'conv', field, start, count, bits: 64 })
  const segments = { weight: segment('weight', 0, layer.weight.length), bias: segment('bias', layer.weight.length, layer.bias.length) } as Record<WeightField, WeightSegment>
  const size = convLayer.outputSize(layer)
  const body = convLayer.weights!.emitCommitted(layer, { component: 'layer0', sources: ['in'], target: 't', addFunctions: () => {}, segment: (field) => segments[field] })
  const source = [
    'pragma circom 2.1.0;',
    'include "glassbox.circom";',
    'include "committed.circom";',
    '',
    'template LayerUnderTest() {',
    `    signal input in[${layer.inShape[0] * layer.inShape[1] * layer.inShape[2]}];`,
    `    signal input weights[${layer.weight.length + layer.bias.length}];`,
    `    signal output out[${size}];`,
    `    signal t[${size}];`,
    ...body,
    '    out <== t;',
    '}',
    '',
    'component main = LayerUnderTest();',
    '',
  ].join('\n')
  return { source, segments }
}

/** glassbox's witness of that circuit: its main template mirrored, the layer through `witnessCommitted`. */
function mirror(layer: FixedConvLayer, segments: Record<WeightField, WeightSegment>, x: readonly bigint[], weights: readonly bigint[]) {
  const main = createWitnessScope()
  main.signals('in', [x.length]).fill(x)
  main.signals('weights', [weights.length]).fill(weights)
  const field = (name: WeightField) => weights.slice(segments[name].start, segments[name].start + segments[name].count)
  const out = convLayer.weights!.witnessCommitted(layer, [x], main, { component: 'layer0', field })
  main.signals('t', [out.length]).fill(out)
  main.signals('out', [out.length]).fill(out)
  return { values: main.values, out }
}

function mirroredWires(tester: CircuitTester, values: ReturnType<typeof mirror>['values']): bigint[] {
  const plan = buildWitnessPlan(values, readFileSync(join(tester.dir, 'circuit.sym'), 'utf8'), tester.r1cs.wires)
  return Array.from(plan.positionOfWire, (position, wire) => (wire === 0 ? 1n : toField(values.get(position))))
}

const cases: [string, ConvCase][] = [
  ['2→2 channels, 2×2 kernel, pad 1 top/left, ReLU + fused 2×2 max pool', { c: 2, h: 3, w: 3, outC: 2, group: 1, k: 2, stride: 1, pads: [1, 1, 0, 0], pool: { kernel: 2, stride: 1 }, relu: true, shift: 3, weightBits: 4, biasBits: 5 }],
  ['depthwise (group 2), stride 2, asymmetric pads, no pool', { c: 2, h: 4, w: 3, outC: 2, group: 2, k: 2, stride: 2, pads: [0, 1, 1, 0], relu: false, shift: 2, weightBits: 4, biasBits: 5 }],
  ['group 2 of 2 channels each, fused 1×1 pool of stride 2 (one-position windows)', { c: 4, h: 3, w: 3, outC: 2, group: 2, k: 2, stride: 1, pads: [1, 1, 1, 1], pool: { kernel: 1, stride: 2 }, relu: true, shift: 4, weightBits: 4, biasBits: 5 }],
  // Products beyond 2^53: the accumulation runs on BigInt (the float64 fast path does not apply).
  ['weights of 48 bits (BigInt accumulation), fused 2×2 pool', { c: 1, h: 3, w: 3, outC: 2, group: 1, k: 2, stride: 1, pads: [0, 0, 0, 0], pool: { kernel: 2, stride: 1 }, relu: false, shift: 52, weightBits: 48, biasBits: 50 }],
]

describe('conv with committed weights (ConvChannelCommitted): glassbox\'s witness = circom\'s', () => {
  describe.each(cases)('%s', (_, spec) => {
    const layer = convLayerOf(spec)
    const { source, segments } = committedSource(layer)
    const weights = [...layer.weight, ...layer.bias].map(BigInt)
    const inputSize = spec.c * spec.h * spec.w
    const { accepted, rejected } = drawInputs(layer, [inputSize], { random, bits: [B], count: 2 })

    it.each(LEVELS)('--O%i: wire for wire, outputs = the evaluator on the same weights', async (optimization) => {
      expect(accepted.length).toBeGreaterThan(0)
      const tester = await compileTestCircuit(source, { optimization })
      for (const [x] of accepted) {
        // Which accumulation the case exercises: float64 for small weights, BigInt for the wide ones.
        expect(exactIntegersInFloat64(weights.slice(0, layer.weight.length), weights.slice(layer.weight.length), x!, layer.weight.length / spec.outC) === null).toBe(spec.weightBits > 40)
        const w = await tester.expectPass({ in: x!, weights })
        const { values, out } = mirror(layer, segments, x!, weights)
        expect(out).toEqual(evaluateLayer(layer, [x!]))
        expect(Array.from({ length: out.length }, (_, i) => tester.read(w, `main.out[${i}]`))).toEqual(out)
        expect(mirroredWires(tester, values)).toEqual(w)
      }
    }, TIMEOUT)

    if (rejected.length > 0 && !spec.pool) it('refuses inputs out of range, in the mirror and in the circuit', async () => {
      const tester = await compileTestCircuit(source, { optimization: 2 })
      for (const [x] of rejected) {
        expect(() => mirror(layer, segments, x!, weights)).toThrow(/does not fit/)
        await tester.expectFail({ in: x!, weights })
      }
    }, TIMEOUT)
  })
})
