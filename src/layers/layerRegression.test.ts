/**
 * The layer table must not change what glassbox produces: for every bundled
 * example and every ONNX fixture of the importer tests (together they use
 * every layer kind), the fixed-point model, the circom source in each
 * visibility mode, the constraint reports at --O1 and --O2, the weight layout,
 * the architecture hash and the integer evaluator's outputs are digested and
 * compared with the snapshot taken before the layers moved into src/layers/.
 * A change here is a change of the model.json format, the circuit or its cost:
 * update the snapshot (`vitest -u`) only on purpose, and say so in the commit.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { emitCircom } from '../compile/emitCircom.js'
import { estimateConstraints } from '../compile/estimateConstraints.js'
import { readInputs } from '../io/readInputs.js'
import { importOnnx } from '../model/importOnnx.js'
import type { ModelIR } from '../model/ir.js'
import { shapeSize } from '../model/ir.js'
import { loadOnnx } from '../model/loadOnnx.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import { layerTable } from './layerTable.js'
import { architectureHash } from '../weights/architectureOf.js'
import { weightLayout } from '../weights/weightLayout.js'
import { allFixtures } from '../../test/support/onnxFixtures.js'
import { seededRandom } from '../../test/support/buildOnnx.js'
import { examplePath } from '../../test/support/exampleBuild.js'

const sha = (value: unknown) => createHash('sha256').update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex').slice(0, 24)

function digest(model: FixedPointModel, inputs: readonly (readonly number[])[]): Record<string, string> {
  const circom = {
    hashed: emitCircom(model),
    packedSalted: emitCircom(model, { outputSignals: 'packed', salt: true }),
    publicNoArgmax: emitCircom(model, { inputVisibility: 'public', argmax: false }),
    committed: emitCircom(model, { weights: 'committed', outputSignals: 'packed', salt: true }),
  }
  const estimates = {
    o2: estimateConstraints(model),
    o1: estimateConstraints(model, { optimization: 1 }),
    committedO2: estimateConstraints(model, { weights: 'committed', outputSignals: 'packed', salt: true }),
    committedO1: estimateConstraints(model, { weights: 'committed', optimization: 1, inputVisibility: 'private' }),
  }
  return {
    model: sha(model),
    ...Object.fromEntries(Object.entries(circom).map(([k, v]) => [`circom.${k}`, sha(v)])),
    ...Object.fromEntries(Object.entries(estimates).map(([k, v]) => [`constraints.${k}`, sha(v)])),
    weightLayout: sha(weightLayout(model)),
    architecture: architectureHash(model).slice(0, 24),
    evaluate: sha(inputs.map((x) => [...evaluateFixed(model, quantizeInput(model, x), { trace: true }).tensors!].map(([k, v]) => [k, v.map(String)]))),
    evaluateBigInt: sha(inputs.map((x) => evaluateFixed(model, quantizeInput(model, x), { float64: false }).outputQ.map(String))),
  }
}

function randomInputs(ir: ModelIR, n: number, seed: number): number[][] {
  const random = seededRandom(seed)
  const size = shapeSize(ir.input.shape)
  return Array.from({ length: n }, () => Array.from({ length: size }, () => random(-2, 2)))
}

const kindsSeen = new Set<string>()

describe('the layer table changes nothing glassbox produces', () => {
  it.each(['iris', 'digits', 'digits_cnn', 'lenet5', 'pad_avgpool'] as const)('example %s', async (name) => {
    const ir = importOnnx(await loadOnnx(examplePath(name, 'model.onnx')), { name })
    const calibration = (await readInputs(examplePath(name, 'calibration.jsonl'))).map((r) => r.input)
    const bits = name === 'lenet5' ? 8 : 12
    const model = quantizeModel(ir, { calibration, bits, weightBits: bits - 2 })
    for (const layer of model.layers) kindsSeen.add(layer.kind)
    expect(digest(model, calibration.slice(0, 3))).toMatchSnapshot()
  })

  it.each(allFixtures().map((f) => [f.name, f] as const))('fixture %s', (_, fixture) => {
    const ir = importOnnx(fixture.model, { name: fixture.name })
    const calibration = randomInputs(ir, 24, 7)
    const model = quantizeModel(ir, { calibration, bits: 10 })
    for (const layer of model.layers) kindsSeen.add(layer.kind)
    expect(digest(model, calibration.slice(0, 3))).toMatchSnapshot()
  })

  // No importer fixture leaves a ReLU unfused: one on the model input has nothing to fuse into.
  it('hand-made: a ReLU on the model input, then dense', () => {
    const random = seededRandom(3)
    const ir: ModelIR = {
      name: 'relu-first', producer: 'test', opsetVersion: 13,
      input: { name: 'x', shape: [1, 6] }, output: { name: 'y', shape: [1, 3] },
      tensors: { x: [1, 6], r: [1, 6], y: [1, 3] },
      ops: [
        { kind: 'relu', name: 'relu0', input: 'x', output: 'r' },
        { kind: 'dense', name: 'fc', input: 'r', output: 'y', inFeatures: 6, outFeatures: 3, weight: Float64Array.from({ length: 18 }, () => random(-1, 1)), bias: Float64Array.from({ length: 3 }, () => random(-1, 1)) },
      ],
    }
    const calibration = randomInputs(ir, 24, 5)
    const model = quantizeModel(ir, { calibration, bits: 10 })
    for (const layer of model.layers) kindsSeen.add(layer.kind)
    expect(digest(model, calibration.slice(0, 3))).toMatchSnapshot()
  })

  it('covers every layer kind that existed before the move', () => {
    // Kinds added after the move have no pre-move output to regress against; their own module
    // tests (src/layers/<kind>.test.ts) pin circuit, cost and evaluation.
    const addedAfterMove = new Set(['binary', 'matmul', 'softmax', 'layernorm'])
    expect([...kindsSeen].sort()).toEqual(Object.keys(layerTable).filter((kind) => !addedAfterMove.has(kind)).sort())
  })
})
