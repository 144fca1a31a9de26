/**
 * Weight sets without circuits: the layout and packing (widths, element
 * boundaries, range errors that name the layer), the architecture hash and
 * its differences, applying a set to its architecture (and refusing another
 * architecture's), and quantizing a fine-tuned float model at a build's
 * scales (refusing another network with what differs, or weights that
 * outgrew the architecture's range).
 */
import { describe, expect, it } from 'vitest'
import { WeightSetError } from '../errors.js'
import type { DenseOp, ModelIR } from '../model/ir.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import { applyWeightSet } from './applyWeightSet.js'
import { architectureDifferences, architectureHash } from './architectureOf.js'
import { checkWeightCommitment } from './checkWeightCommitment.js'
import { commitWeights } from './commitWeights.js'
import { extractWeightSet } from './extractWeightSet.js'
import { packWeights } from './packWeights.js'
import { quantizeWeightSet } from './quantizeWeightSet.js'
import { weightLayout, weightValues } from './weightLayout.js'

function mlp({ hidden = 3, scale = 1 }: { hidden?: number; scale?: number } = {}): ModelIR {
  const w1 = Array.from({ length: 2 * hidden }, (_, i) => (((i * 7) % 5) - 2) * 0.3 * scale)
  const w2 = Array.from({ length: 2 * hidden }, (_, i) => (((i * 3) % 4) - 1.5) * 0.4 * scale)
  return {
    name: scale === 1 ? 'base' : 'finetuned',
    producer: 'test',
    opsetVersion: 13,
    input: { name: 'x', shape: [1, 2] },
    output: { name: 'z', shape: [1, 2] },
    tensors: { x: [1, 2], h: [1, hidden], y: [1, hidden], z: [1, 2] },
    ops: [
      { kind: 'dense', name: 'fc1', input: 'x', output: 'h', inFeatures: 2, outFeatures: hidden, weight: Float64Array.from(w1), bias: Float64Array.from({ length: hidden }, (_, i) => 0.1 * i * scale) },
      { kind: 'relu', name: 'act', input: 'h', output: 'y' },
      { kind: 'dense', name: 'fc2', input: 'y', output: 'z', inFeatures: hidden, outFeatures: 2, weight: Float64Array.from(w2), bias: Float64Array.from([0.2 * scale, -0.1]) },
    ],
  }
}
const calibration = [
  [1, 0.5],
  [-1, 2],
  [0.3, -0.7],
  [2, 2],
]
const base = quantizeModel(mlp(), { calibration, bits: 12, weightBits: 8 })

describe('weightLayout and packWeights', () => {
  it('lists weights then biases per layer, weights at the weight bits and biases as wide as a usable bias can be', () => {
    const layout = weightLayout(base)
    expect(layout.segments.map((s) => [s.layer, s.field, s.count])).toEqual([
      ['fc1', 'weight', 6],
      ['fc1', 'bias', 3],
      ['fc2', 'weight', 6],
      ['fc2', 'bias', 2],
    ])
    const fc1 = base.layers[0]!
    if (fc1.kind !== 'dense') throw new Error('dense expected')
    expect(layout.segments[0]!.bits).toBe(8)
    // max(shift + bits − 1, wb + bin − 2 + ⌈log2 fan-in⌉) + 2, fan-in 2, input bits 12.
    expect(layout.segments[1]!.bits).toBe(Math.max(fc1.shift + fc1.bits - 1, 8 + 12 - 2 + 1) + 2)
    expect(layout.values).toBe(17)
    expect(weightValues(base)).toHaveLength(17)
  })

  it('packs offset values lowest first and never splits a value across elements', () => {
    const layout = { segments: [{ layer: 'l', layerIndex: 0, kind: 'dense' as const, field: 'weight' as const, start: 0, count: 3, bits: 100 }], values: 3, elements: 2 }
    // 100 + 100 bits fit in 253, the third value starts a new element.
    const packed = packWeights([1n, -1n, 5n], layout)
    const half = 1n << 99n
    expect(packed).toEqual([(1n + half) + ((-1n + half) << 100n), 5n + half])
  })

  it('refuses a value outside its width, naming the layer, field and index', () => {
    const layout = weightLayout(base)
    const values = weightValues(base)
    values[7] = 1n << 40n
    expect(() => packWeights(values, layout)).toThrow(WeightSetError)
    expect(() => packWeights(values, layout)).toThrow(/bias\[1\] of layer "fc1"/)
    expect(() => packWeights(values.slice(1), layout)).toThrow(/16 values, the architecture takes 17/)
  })
})

describe('architectures and weight sets', () => {
  const finetuned = quantizeWeightSet(mlp({ scale: 0.9 }), base)

  it('quantizes a fine-tune at the build’s scales: same architecture, other weights, same evaluator semantics', async () => {
    expect(architectureHash(finetuned)).toBe(architectureHash(base))
    expect(architectureDifferences(base, finetuned)).toEqual([])
    const fc1 = base.layers[0]!
    const ft = finetuned.layers[0]!
    if (fc1.kind !== 'dense' || ft.kind !== 'dense') throw new Error('dense expected')
    const floats = (mlp({ scale: 0.9 }).ops[0] as DenseOp).weight
    expect(ft.weight).toEqual(Array.from(floats, (w) => String(Math.round(w * 2 ** fc1.weightScale))))
    expect(ft.weight).not.toEqual(fc1.weight)
    expect(await commitWeights(finetuned)).not.toBe(await commitWeights(base))
    expect(() => evaluateFixed(finetuned, quantizeInput(finetuned, [1, 0.5]))).not.toThrow()
  })

  it('round-trips a weight set through extract and apply, and checks its commitment', async () => {
    const set = await extractWeightSet(finetuned, { source: { file: 'finetuned.onnx' } })
    const applied = applyWeightSet(base, set)
    expect(applied.layers).toEqual(finetuned.layers)
    await expect(checkWeightCommitment(applied, set.commitment)).resolves.toBeUndefined()
    const edited = { ...set, layers: set.layers.map((l, i) => (i === 0 && 'weight' in l ? { ...l, weight: l.weight.map((w, j) => (j === 0 ? String(BigInt(w) + 1n) : w)) } : l)) }
    await expect(checkWeightCommitment(applyWeightSet(base, edited), set.commitment)).rejects.toThrow(/do not match its commitment/)
  })

  it('refuses a set of another architecture, or with missing or resized layers', async () => {
    const other = quantizeModel(mlp({ hidden: 4 }), { calibration, bits: 12, weightBits: 8 })
    const set = await extractWeightSet(other)
    expect(() => applyWeightSet(base, set)).toThrow(/another architecture/)
    const own = await extractWeightSet(base)
    expect(() => applyWeightSet(base, { ...own, layers: own.layers.slice(1) })).toThrow(/no dense weights for layer "fc1"/)
    expect(() => applyWeightSet(base, { ...own, layers: own.layers.map((l) => ('bias' in l ? { ...l, bias: [...l.bias, '0'] } : l)) })).toThrow(/has 4 bias values, the architecture takes 3/)
    expect(architectureDifferences(base, other).join('\n')).toMatch(/layers\[0\] \(fc1\)\.outFeatures: 3 ≠ 4/)
  })

  it('refuses a float model of another network, listing what differs', () => {
    expect(() => quantizeWeightSet(mlp({ hidden: 4 }), base)).toThrow(WeightSetError)
    expect(() => quantizeWeightSet(mlp({ hidden: 4 }), base)).toThrow(/layer "fc1" shape \[out, in\]: build \[3,2\], new model \[4,2\]/)
    const noRelu = mlp()
    noRelu.ops.splice(1, 1)
    noRelu.ops[1] = { ...(noRelu.ops[1] as DenseOp), input: 'h' }
    expect(() => quantizeWeightSet(noRelu, base)).toThrow(/fuses 1 ReLU\/max-pool op\(s\) into its layers, the new model has 0/)
  })

  it('refuses a fine-tune whose weights outgrew the architecture’s weight range', () => {
    expect(() => quantizeWeightSet(mlp({ scale: 3 }), base)).toThrow(/does not fit the architecture's 8-bit weights/)
  })
})
