/**
 * Committed weights (circuits/committed.circom): the in-circuit commitment
 * equals the TypeScript one (commitWeights / packWeights + poseidonChain) for
 * random weights and several layouts; a committed model's circuit equals the
 * integer evaluator bit for bit with any weight set and costs exactly what
 * estimateConstraints says; and forged witnesses are rejected by the
 * constraints: a weight changed under the same commitment, the commitment
 * signal changed, and out-of-range weights chosen so that the packing (over
 * the integers, or mod p) is unchanged.
 */
import { describe, expect, it } from 'vitest'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { estimateConstraints, poseidonChainConstraints, totalConstraints } from '../../src/compile/estimateConstraints.js'
import { FIELD_ORDER, toField } from '../../src/field/fieldElement.js'
import { poseidonChain } from '../../src/field/poseidonChain.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import type { FixedLayer, FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import { commitWeights } from '../../src/weights/commitWeights.js'
import { packWeights } from '../../src/weights/packWeights.js'
import type { WeightLayout, WeightSegment } from '../../src/weights/weightLayout.js'
import { packedElements } from '../../src/weights/weightLayout.js'
import { weightSignals } from '../../src/weights/weightSignals.js'
import type { CircuitTester } from '../support/circuitTester.js'
import { compileTestCircuit } from '../support/circuitTester.js'
import { attackerBits, bitNames, forgeAs } from '../support/forgery.js'

const TIMEOUT = 300_000
const PROVER = 7n

/** A deterministic generator (mulberry32), so failures reproduce. */
function random(seed: number): (lo: number, hi: number) => bigint {
  let a = seed >>> 0
  return (lo, hi) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return BigInt(lo + Math.floor(u * (hi - lo + 1)))
  }
}

/** A layout of bare segments, as weightLayout would give for layers with these arrays. */
function layoutOf(parts: { count: number; bits: number }[]): WeightLayout {
  let start = 0
  const segments: WeightSegment[] = parts.map(({ count, bits }, i) => {
    const s: WeightSegment = { layer: `s${i}`, layerIndex: i, kind: 'dense', field: 'weight', start, count, bits }
    start += count
    return s
  })
  return { segments, values: start, elements: packedElements(segments) }
}

const commitmentMain = (layout: WeightLayout) =>
  `pragma circom 2.1.0;\ninclude "committed.circom";\ncomponent main = WeightCommitment(${layout.values}, ${layout.segments.length}, [${layout.segments.map((s) => s.count)}], [${layout.segments.map((s) => s.bits)}]);\n`

/** Random values of each segment's width, the extremes of the range included. */
function randomValues(layout: WeightLayout, next: (lo: number, hi: number) => bigint): bigint[] {
  return layout.segments.flatMap((s) => {
    const half = 1n << BigInt(s.bits - 1)
    return Array.from({ length: s.count }, (_, i) => {
      if (i === 0) return -half
      if (i === 1) return half - 1n
      const r = next(0, 2 ** 30)
      return (r % (2n * half)) - half
    })
  })
}

describe('WeightCommitment equals packWeights + poseidonChain', () => {
  const layouts: [string, { count: number; bits: number }[]][] = [
    ['one 2-bit value', [{ count: 1, bits: 2 }]],
    ['weights and wide biases across element boundaries', [{ count: 40, bits: 8 }, { count: 3, bits: 17 }, { count: 12, bits: 5 }]],
    ['values as wide as an element', [{ count: 2, bits: 16 }, { count: 3, bits: 253 }]],
    ['a chain of 18 elements', [{ count: 340, bits: 13 }]],
  ]
  it.each(layouts)('%s: same hash for random values, cost = width sum + Poseidon chain', async (_name, parts) => {
    const layout = layoutOf(parts)
    const t = await compileTestCircuit(commitmentMain(layout))
    const next = random(parts.length * 7919)
    for (let round = 0; round < 3; round++) {
      const values = randomValues(layout, next)
      const w = await t.expectPass({ in: values.map(toField) })
      expect(w[t.signal('main.hash')], `round ${round}`).toBe(await poseidonChain(packWeights(values, layout)))
    }
    expect(t.constraintCount).toBe(layout.segments.reduce((n, s) => n + s.count * s.bits, 0) + poseidonChainConstraints(layout.elements))
  }, TIMEOUT)

  it('fails witness generation for a value outside its width', async () => {
    const layout = layoutOf([{ count: 3, bits: 6 }])
    const t = await compileTestCircuit(commitmentMain(layout))
    await t.expectPass({ in: [-32n, 31n, 0n].map(toField) })
    await t.expectFail({ in: [32n, 0n, 0n].map(toField) })
    await t.expectFail({ in: [0n, -33n, 0n].map(toField) })
  }, TIMEOUT)

  it('rejects out-of-range values that pack to the same elements (over the integers and mod p), bits forged with a carry so only booleanity objects', async () => {
    const layout = layoutOf([{ count: 3, bits: 6 }])
    const t = await compileTestCircuit(commitmentMain(layout))
    const honest = [5n, -7n, 12n]
    const base = await t.witness({ in: honest.map(toField) })
    const hash = t.read(base, 'main.hash')
    const claim = (values: bigint[]) => {
      const forged: Record<string, bigint> = { 'main.hash': hash }
      values.forEach((v, i) => {
        forged[`main.in[${i}]`] = v
        attackerBits(v + 32n, 6).forEach((bit, b) => (forged[bitNames('main.bits', 18)[i * 6 + b]!] = bit))
      })
      return t.checkConstraints(forgeAs(t, base, forged))
    }
    // Control: the forging path with the honest values gives the honest witness.
    expect(claim(honest).ok).toBe(true)
    // Over the integers: v0 + 2^6 and v1 − 1 leave v0' + 2^5 + (v1' + 2^5)·2^6 unchanged.
    const carry = [honest[0]! + 64n, honest[1]! - 1n, honest[2]!]
    expect(packWeightsUnchecked(carry, layout)).toEqual(packWeightsUnchecked(honest, layout))
    expect(onlyBooleanityFails(t, claim(carry).failing)).toBe(true)
    // Mod p: v0 + 1 and v2 − 2^−12 mod p (v2 sits at bit 12) leave the packed element unchanged in the field.
    const inverse = modInverse(1n << 12n)
    const wrap = [honest[0]! + 1n, honest[1]!, honest[2]! - inverse]
    expect(packWeightsUnchecked(wrap, layout).map(toField)).toEqual(packWeightsUnchecked(honest, layout).map(toField))
    expect(onlyBooleanityFails(t, claim(wrap).failing)).toBe(true)
    // And the honest values under another hash.
    expect(t.checkConstraints(t.forge(base, { 'main.hash': hash + 1n })).ok).toBe(false)
  }, TIMEOUT)
})

describe.each([
  ['mlp', mlp],
  ['cnn', cnn],
] as const)('a committed %s circuit', (_name, build) => {
  const levels = [1, 2] as const
  const compile = (level: 1 | 2) => compileTestCircuit(emitCircom(build(), { weights: 'committed' }), { optimization: level })

  it.each(levels)('equals the integer evaluator and commitWeights for random weight sets, at the estimated cost (--O%i)', async (level) => {
    const t = await compile(level)
    const next = random(level * 104729)
    for (let round = 0; round < 3; round++) {
      const model = randomWeights(build(), next)
      const weights = weightSignals(model)
      const w = await t.expectPass({ in: randomInput(model, next).map(toField), prover: PROVER, weights })
      expect(w[t.signal('main.weightsCommitment')], `round ${round}`).toBe(await commitWeights(model))
      for (let k = 0; k < 2; k++) {
        const x = randomInput(model, next)
        const wk = await t.expectPass({ in: x.map(toField), prover: PROVER, weights })
        const expected = evaluateFixed(model, x).outputQ
        expect(expected.map((_, i) => t.read(wk, `main.out[${i}]`)), `round ${round}, [${x}]`).toEqual(expected)
      }
    }
    const estimate = (weights: 'constant' | 'committed') => totalConstraints(estimateConstraints(build(), { weights, optimization: level }))
    if (level === 2) expect(t.constraintCount).toBe(estimate('committed'))
    // What committed weights add (MACs, range checks, commitment) is exact at --O1 too. (The --O1
    // estimate of the constant parts is one high for a 2-output argmax, in both modes.)
    // (Constant weights must be non-zero here: circom folds the comparisons of all-zero kernels.)
    const constant = await compileTestCircuit(emitCircom(randomWeights(build(), random(99)), { weights: 'constant' }), { optimization: level })
    expect(t.constraintCount - constant.constraintCount).toBe(estimate('committed') - estimate('constant'))
  }, TIMEOUT)

  it('rejects a changed weight under the same public commitment, and a changed commitment', async () => {
    const t = await compile(1)
    const next = random(31337)
    const model = randomWeights(build(), next)
    const x = randomInput(model, next)
    const weights = weightSignals(model)
    const honest = await t.expectPass({ in: x.map(toField), prover: PROVER, weights })
    const commitment = honest[t.signal('main.weightsCommitment')]!
    // One weight changed in the honest witness, nothing else: the decomposition no longer sums to it.
    const changed = BigInt(model.layers[0]!.kind === 'dense' || model.layers[0]!.kind === 'conv' ? model.layers[0]!.weight[1]! : '0') + 1n
    const value = changed >= 1n << BigInt(model.weightBits - 1) ? changed - 2n : changed
    expect(t.checkConstraints(t.forge(honest, { 'main.weights[1]': value })).ok).toBe(false)
    // A whole honest witness for the other weights, with the original commitment claimed: the hash refuses.
    const other = weights.map((v, i) => (i === 1 ? toField(value).toString() : v))
    const otherWitness = await t.expectPass({ in: x.map(toField), prover: PROVER, weights: other })
    expect(otherWitness[t.signal('main.weightsCommitment')]).not.toBe(commitment)
    expect(t.checkConstraints(t.forge(otherWitness, { 'main.weightsCommitment': commitment })).ok).toBe(false)
    // The commitment signal alone changed.
    expect(t.checkConstraints(t.forge(honest, { 'main.weightsCommitment': commitment + 1n })).ok).toBe(false)
    // A multiply-accumulate that is not weight × input.
    const product = t.hasSignal('main.layer0.prod[0][0]') ? 'main.layer0.prod[0][0]' : 'main.layer0c0.prod[0]'
    expect(t.checkConstraints(t.forge(honest, { [product]: t.read(honest, product) + 1n })).ok).toBe(false)
  }, TIMEOUT)

  it('fails witness generation for a weight outside the weight bits', async () => {
    const t = await compile(2)
    const model = build()
    const weights = weightSignals(model)
    weights[0] = toField(1n << BigInt(model.weightBits - 1)).toString()
    await t.expectFail({ in: randomInput(model, random(5)).map(toField), prover: PROVER, weights })
  }, TIMEOUT)
})

// --- models -------------------------------------------------------------------------

const B = 10
const WB = 6
const io = { scale: 0, bits: B }

function modelWith(layers: FixedLayer[], inputShape: number[] = [5], outputShape: number[] = [3], outputName = 'z'): FixedPointModel {
  return {
    format: FIXED_POINT_FORMAT,
    name: 'committed-test',
    bits: B,
    weightBits: WB,
    input: { name: 'x', shape: inputShape, scale: 0, bits: B },
    output: { name: outputName, shape: outputShape, scale: 0, bits: B },
    layers,
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }
}

const zeros = (n: number) => Array.from({ length: n }, () => '0')

/** dense 5→4 with ReLU, affine on 4, dense 4→3. */
function mlp(): FixedPointModel {
  return modelWith([
    { kind: 'dense', name: 'fc1', input: 'x', output: 'h', ...io, shift: 4, relu: true, inFeatures: 5, outFeatures: 4, weight: zeros(20), bias: zeros(4), weightScale: 0 },
    { kind: 'affine', name: 'scale', input: 'h', output: 'g', ...io, shift: 3, relu: false, size: 4, factor: zeros(4), offset: zeros(4), factorScale: 0 },
    { kind: 'dense', name: 'fc2', input: 'g', output: 'z', ...io, shift: 4, relu: false, inFeatures: 4, outFeatures: 3, weight: zeros(12), bias: zeros(3), weightScale: 0 },
  ])
}

/** conv [2,4,4] → [3,4,4] (3×3, padding 1, ReLU, fused 2×2 max pool → [3,2,2]), grouped conv [3,2,2] → [3,1,1] (2×2, group 3), dense 3→2. */
function cnn(): FixedPointModel {
  return modelWith(
    [
      {
        kind: 'conv', name: 'conv1', input: 'x', output: 'c1', ...io, shift: 5, relu: true, inShape: [2, 4, 4], convShape: [3, 4, 4], kernel: [3, 3], stride: [1, 1],
        pads: [1, 1, 1, 1], group: 1, weight: zeros(54), bias: zeros(3), weightScale: 0, pool: { kernel: [2, 2], stride: [2, 2], pads: [0, 0, 0, 0], outShape: [3, 2, 2] },
      },
      { kind: 'conv', name: 'conv2', input: 'c1', output: 'c2', ...io, shift: 4, relu: false, inShape: [3, 2, 2], convShape: [3, 1, 1], kernel: [2, 2], stride: [1, 1], pads: [0, 0, 0, 0], group: 3, weight: zeros(12), bias: zeros(3), weightScale: 0 },
      { kind: 'dense', name: 'fc', input: 'c2', output: 'z', ...io, shift: 4, relu: false, inFeatures: 3, outFeatures: 2, weight: zeros(6), bias: zeros(2), weightScale: 0 },
    ],
    [2, 4, 4],
    [2],
  )
}

/** The model with random weights in full weight range and biases small enough that small inputs stay in range. */
function randomWeights(model: FixedPointModel, next: (lo: number, hi: number) => bigint): FixedPointModel {
  const w = () => next(-(2 ** (WB - 1)), 2 ** (WB - 1) - 1).toString()
  const b = () => next(-300, 300).toString()
  return {
    ...model,
    layers: model.layers.map((layer) => {
      if (layer.kind === 'dense' || layer.kind === 'conv') return { ...layer, weight: layer.weight.map(w), bias: layer.bias.map(b) }
      if (layer.kind === 'affine') return { ...layer, factor: layer.factor.map(w), offset: layer.offset.map(b) }
      return layer
    }),
  }
}

function randomInput(model: FixedPointModel, next: (lo: number, hi: number) => bigint): bigint[] {
  const size = model.input.shape.reduce((a, c) => a * c, 1)
  return Array.from({ length: size }, () => next(-6, 6))
}

// --- helpers ------------------------------------------------------------------------

/**
 * The forgery is refused, and only by bit-booleanity constraints (b · (b − 1) = 0): the packing
 * and the hash accept it, so without the range check it would be a second preimage.
 */
function onlyBooleanityFails(t: CircuitTester, failing: number[]): boolean {
  if (failing.length === 0) return false
  return failing.every((i) => {
    const [a, b, c] = t.r1cs.constraints[i]!
    // One signal b in A and B and nothing else but constants: (±b + k)(±b + k') = 0 with C empty.
    const wires = new Set([...a.keys(), ...b.keys(), ...c.keys()].filter((w) => w !== 0))
    const [wire] = [...wires]
    return wires.size === 1 && a.has(wire!) && b.has(wire!) && c.size === 0
  })
}

/** packWeights without its range check (what an attacker's values pack to). */
function packWeightsUnchecked(values: bigint[], layout: WeightLayout): bigint[] {
  const packed: bigint[] = []
  let element = 0n
  let used = 0
  let v = 0
  for (const s of layout.segments) {
    for (let i = 0; i < s.count; i++) {
      if (used + s.bits > 253) {
        packed.push(element)
        element = 0n
        used = 0
      }
      element += (values[v++]! + (1n << BigInt(s.bits - 1))) << BigInt(used)
      used += s.bits
    }
  }
  packed.push(element)
  return packed
}

function modInverse(a: bigint): bigint {
  let [r0, r1, s0, s1] = [FIELD_ORDER, a % FIELD_ORDER, 0n, 1n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % FIELD_ORDER) + FIELD_ORDER) % FIELD_ORDER
}
