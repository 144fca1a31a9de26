/**
 * The bundled examples compiled end to end: on every line of their test sets
 * the circuit's public signals equal the integer evaluator bit for bit (and
 * the input hash equals hashInput), witnesses satisfy the R1CS, the
 * compiled constraint count equals the estimate, and fixed point loses no
 * more than half a point of accuracy against the float model.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Manifest } from '../../src/artifacts/manifest.js'
import { compileModel } from '../../src/compile/compileModel.js'
import { emitCircom } from '../../src/compile/emitCircom.js'
import { toField } from '../../src/field/fieldElement.js'
import { hashInput } from '../../src/field/hashInput.js'
import { RangeOverflowError } from '../../src/errors.js'
import { evaluateFloat } from '../../src/model/evaluateFloat.js'
import { importOnnx } from '../../src/model/importOnnx.js'
import type { ModelIR } from '../../src/model/ir.js'
import { loadOnnx } from '../../src/model/loadOnnx.js'
import { circuitInput } from '../../src/prove/circuitInput.js'
import { decodePublicSignals } from '../../src/artifacts/decodePublicSignals.js'
import { planOutputPacking } from '../../src/artifacts/planOutputPacking.js'
import { accuracyReport } from '../../src/quantize/accuracyReport.js'
import { evaluateFixed } from '../../src/quantize/evaluateFixed.js'
import type { FixedPointModel } from '../../src/quantize/fixedPointModel.js'
import { FIXED_POINT_FORMAT } from '../../src/quantize/fixedPointModel.js'
import type { CircuitTester } from '../support/circuitTester.js'
import { compileTestCircuit, loadCircuitTester } from '../support/circuitTester.js'

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url))
const PROVER = '0x0000000000000000000000000000000000000001'
const TIMEOUT = 600_000

type TestLine = { id: string; input: number[]; label: number }
type ReferenceLine = { id: string; output: number[]; class: number }

async function readJsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8')
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T)
}

describe.each(['iris', 'digits'])('example %s, compiled at --O2', (name) => {
  const dir = join(examplesDir, name)
  let outDir: string
  let model: FixedPointModel
  let manifest: Manifest
  let tester: CircuitTester
  let ir: ModelIR
  let tests: TestLine[]

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), `glassbox-exactness-${name}-`))
    ;({ model, manifest } = await compileModel({ modelPath: join(dir, 'model.onnx'), outDir, calibrationPath: join(dir, 'calibration.jsonl'), name }))
    tester = await loadCircuitTester(outDir)
    ir = importOnnx(await loadOnnx(join(dir, 'model.onnx')), { name })
    tests = await readJsonl<TestLine>(join(dir, 'test.jsonl'))
  }, TIMEOUT)

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  it('puts packedOutputs[*] (outputs and class), inputHash and prover first among the witness values, as the manifest says', () => {
    const words = planOutputPacking({ outputs: model.output.shape.reduce((a, b) => a * b, 1), bits: model.output.bits, argmax: true })
    const expected = [...words.map((_, j) => `main.packedOutputs[${j}]`), 'main.inputHash', 'main.prover']
    expect(manifest.publicSignals.map((s) => s.packing)).toEqual([...words, undefined, undefined])
    expect(manifest.publicSignals.map((s) => s.signal)).toEqual(expected)
    expected.forEach((signal, i) => expect(tester.signal(signal)).toBe(i + 1))
  })

  it('gives the integer evaluator’s outputs and class and hashInput’s hash on every test line', async () => {
    expect(tests.length).toBeGreaterThan(0)
    for (const [line, { id, input }] of tests.entries()) {
      // Every other line salted: the same circuit proves both hashes.
      const salt = line % 2 ? BigInt(line) * 0x9e3779b97f4a7c15n : undefined
      const { inputQ, signals } = circuitInput(model, input, PROVER, { salted: true, salt })
      const { outputQ, argmax } = evaluateFixed(model, inputQ)
      const witness = await tester.witness(signals)
      const statement = decodePublicSignals(manifest.publicSignals, witness.slice(1, 1 + manifest.publicSignals.length))
      expect(statement.outputQ, id).toEqual(outputQ)
      expect(statement.class, id).toBe(argmax)
      expect(witness[tester.signal('main.inputHash')], id).toBe(await hashInput(inputQ, model.input.bits, { salt }))
      expect(tester.read(witness, 'main.prover'), id).toBe(1n)
      if (line < 3) expect(tester.checkConstraints(witness).failing, id).toEqual([])
    }
  }, TIMEOUT)

  it('has exactly the constraints estimateConstraints predicts', () => {
    const estimated = manifest.constraints.layers.reduce((sum, part) => sum + part.constraints, 0)
    expect(tester.constraintCount).toBe(manifest.constraints.total)
    expect(estimated).toBe(manifest.constraints.total)
  })

  it('keeps fixed-point accuracy within 0.5 points of float, whose classes match reference.jsonl', async () => {
    const references = new Map((await readJsonl<ReferenceLine>(join(dir, 'reference.jsonl'))).map((r) => [r.id, r.class]))
    for (const { id, input } of tests) {
      const output = evaluateFloat(ir, Float64Array.from(input)).output
      const predicted = output.indexOf(Math.max(...output))
      expect(predicted, id).toBe(references.get(id))
    }
    const report = accuracyReport(ir, model, tests)
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { floatTestAccuracy: number }
    expect(report.floatAccuracy).toBeCloseTo(meta.floatTestAccuracy, 2)
    expect(Math.abs(report.fixedAccuracy! - report.floatAccuracy!)).toBeLessThanOrEqual(0.005)
  }, TIMEOUT)
})

/**
 * The examples are dense → ReLU → dense; this 8-bit model has every layer kind
 * (a standalone ReLU first, dense with fused ReLU, affine, ReLU, dense) and
 * weights that overflow on part of the input grid: the circuit must agree with
 * evaluateFixed where it succeeds and refuse a witness exactly where it throws.
 */
describe('a model with every layer kind, on an input grid', () => {
  const strings = (values: number[]) => values.map(String)
  const common = (name: string, input: string, output: string) => ({ name, input, output, scale: 4, bits: 8 })
  const model: FixedPointModel = {
    format: FIXED_POINT_FORMAT,
    name: 'every-kind',
    bits: 8,
    weightBits: 8,
    input: { name: 'x', shape: [3], scale: 4, bits: 8 },
    output: { name: 'y', shape: [3], scale: 4, bits: 8 },
    layers: [
      { kind: 'relu', ...common('relu0', 'x', 't0'), size: 3 },
      { kind: 'dense', ...common('dense1', 't0', 't1'), inFeatures: 3, outFeatures: 4, weight: strings([5, -3, 7, -6, 2, 1, 3, 3, -3, 1, -1, 2]), bias: strings([4, -20, 100, -7]), weightScale: 3, shift: 3, relu: true },
      { kind: 'affine', ...common('affine2', 't1', 't2'), size: 4, factor: strings([3, -5, 1, -2]), offset: strings([2, -2, 7, 0]), factorScale: 2, shift: 2, relu: false },
      { kind: 'relu', ...common('relu3', 't2', 't3'), size: 4 },
      { kind: 'dense', ...common('dense4', 't3', 'y'), inFeatures: 4, outFeatures: 3, weight: strings([1, 2, -1, 3, -2, 1, 1, 1, 4, -4, 2, -1]), bias: strings([0, 5, -5]), weightScale: 1, shift: 1, relu: false },
    ],
    droppedOutputOps: [],
    calibration: { samples: 0, headroomBits: 0, maxAbs: {} },
  }

  it('agrees with evaluateFixed, overflow included, for every input in the grid', async () => {
    const t = await compileTestCircuit(emitCircom(model, { inputVisibility: 'private' }))
    const grid = [-128n, -77n, -20n, -1n, 0n, 9n, 33n, 64n, 100n, 127n]
    let agreed = 0
    let refused = 0
    for (const a of grid) {
      for (const b of grid) {
        for (const c of grid) {
          const inputQ = [a, b, c]
          const signals = { in: inputQ.map((v) => toField(v).toString()), prover: '1' }
          let expected: ReturnType<typeof evaluateFixed> | undefined
          try {
            expected = evaluateFixed(model, inputQ)
          } catch (error) {
            if (!(error instanceof RangeOverflowError)) throw error
          }
          if (!expected) {
            await t.expectFail(signals)
            refused++
            continue
          }
          const w = await t.witness(signals)
          expect(expected.outputQ.map((_, i) => t.read(w, `main.out[${i}]`)), `in ${inputQ}`).toEqual(expected.outputQ)
          expect(t.read(w, 'main.predicted'), `in ${inputQ}`).toBe(BigInt(expected.argmax))
          if (agreed % 50 === 0) expect(t.checkConstraints(w).failing).toEqual([])
          agreed++
        }
      }
    }
    expect(agreed).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  }, TIMEOUT)
})
