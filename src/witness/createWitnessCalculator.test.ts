import { copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import { RangeOverflowError } from '../errors.js'
import type { Logger } from '../logger.js'
import { circuitInput } from '../prove/circuitInput.js'
import type { ProvingArtifacts } from '../prove/provingArtifacts.js'
import { loadProvingArtifacts } from '../prove/provingArtifacts.js'
import { weightSignals } from '../weights/weightSignals.js'
import { createWitnessCalculator } from './createWitnessCalculator.js'
import { readWitnessPlan, writeWitnessPlan } from './witnessPlanFile.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, info() {}, warn: (m) => warnings.push(m), debug() {} }
}

async function testInputs(name: 'iris' | 'digits'): Promise<{ id: string; input: number[] }[]> {
  const text = await readFile(examplePath(name, 'test.jsonl'), 'utf8')
  return text.trim().split('\n').map((line) => JSON.parse(line) as { id: string; input: number[] })
}

/** Every line's native and wasm `.wtns` are the same bytes; salts vary (0 = none) where the circuit takes one. */
async function expectSameWitnesses(artifacts: ProvingArtifacts, lines: readonly { id: string; input: number[] }[]): Promise<number> {
  const logger = recordingLogger()
  const native = await createWitnessCalculator(artifacts, { logger })
  const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
  expect(native.kind).toBe('native')
  expect(wasm.kind).toBe('wasm')
  const salted = artifacts.manifest.input.salted === true
  const weights = artifacts.manifest.weights.visibility === 'committed' ? weightSignals(artifacts.model) : undefined
  let compared = 0
  for (const [i, { id, input }] of lines.entries()) {
    const salt = salted ? BigInt(i % 3 === 0 ? 0 : 1_000_003 * i) : undefined
    const { signals } = circuitInput(artifacts.model, input, PROVER, { salted, salt, ...(weights ? { weights } : {}) })
    const [a, b] = await Promise.all([native.calculate(signals), wasm.calculate(signals)])
    if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) expect.fail(`${artifacts.manifest.name} ${id}: glassbox's and circom's witnesses differ`)
    compared++
  }
  expect(native.kind, 'never fell back to wasm').toBe('native')
  expect(logger.warnings).toEqual([])
  return compared
}

describe("glassbox's witness: byte-identical to circom's wasm", () => {
  for (const name of ['iris', 'digits'] as const) {
    it(`${name}: every test.jsonl line, salted and not`, async () => {
      const buildDir = await buildExample(name, { setup: false })
      // compile laid out the plan and checked it against wasm.
      expect(await readWitnessPlan(buildPaths(buildDir).witnessPlan, (await loadProvingArtifacts(buildDir, { withKey: false })).manifest.artifacts['sym']!)).toBeDefined()
      const artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
      const lines = await testInputs(name)
      expect(await expectSameWitnesses(artifacts, lines)).toBe(lines.length)
    })
  }

  it('in every other circuit shape: public input with one signal per output and no argmax; private input; committed weights', async () => {
    const lines = (await testInputs('iris')).slice(0, 12)
    for (const compile of [
      { inputVisibility: 'public', outputSignals: 'separate', argmax: false },
      { inputVisibility: 'private' },
      { weights: 'committed', salt: false },
    ] as const) {
      const artifacts = await loadProvingArtifacts(await buildExample('iris', { setup: false, compile }), { withKey: false })
      expect(await expectSameWitnesses(artifacts, lines), JSON.stringify(compile)).toBe(lines.length)
    }
  }, 120_000)
})

describe("glassbox's witness: its plan, and falling back to wasm", () => {
  let buildDir: string
  let artifacts: ProvingArtifacts
  const lines: { id: string; input: number[] }[] = []
  beforeAll(async () => {
    buildDir = await buildExample('iris', { setup: false })
    artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
    lines.push(...(await testInputs('iris')).slice(0, 4))
  })
  const signalsOf = (input: number[]) => circuitInput(artifacts.model, input, PROVER, { salted: true }).signals
  /** The native calculator falls back: circom's witness on every line, and exactly one warning, matching `warning`. */
  const expectWasmFallback = async (warning: RegExp) => {
    const logger = recordingLogger()
    const native = await createWitnessCalculator(artifacts, { logger })
    const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
    for (const { input } of lines) expect(Buffer.from(await native.calculate(signalsOf(input)))).toEqual(Buffer.from(await wasm.calculate(signalsOf(input))))
    expect(native.kind).toBe('wasm')
    expect(logger.warnings).toHaveLength(1)
    expect(logger.warnings[0]).toMatch(warning)
  }

  it('lays out a missing or foreign plan again from circuit.sym, checks it against wasm and saves it', async () => {
    const paths = buildPaths(buildDir)
    const other = await buildExample('digits', { setup: false })
    await copyFile(buildPaths(other).witnessPlan, paths.witnessPlan) // another circuit's plan: never used
    const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
    for (const setUp of [() => Promise.resolve(), () => rm(paths.witnessPlan)]) {
      await setUp()
      const native = await createWitnessCalculator(artifacts)
      for (const { input } of lines) expect(Buffer.from(await native.calculate(signalsOf(input)))).toEqual(Buffer.from(await wasm.calculate(signalsOf(input))))
      expect(native.kind).toBe('native')
      expect(await readWitnessPlan(paths.witnessPlan, artifacts.manifest.artifacts['sym']!)).toBeDefined()
    }
  }, 60_000)

  it('uses wasm, with one warning, when the plan cannot be laid out (no circuit.sym)', async () => {
    const paths = buildPaths(buildDir)
    const sym = await readFile(paths.sym)
    await rm(paths.witnessPlan)
    await rm(paths.sym)
    try {
      await expectWasmFallback(/circuit\.sym is missing.*using circom's wasm witness/)
    } finally {
      await writeFile(paths.sym, sym)
    }
    await expect(stat(paths.witnessPlan)).rejects.toThrow()
  })

  it('goes straight to wasm, with one warning, for a folder whose plan records a refusal', async () => {
    const paths = buildPaths(buildDir)
    await writeWitnessPlan(paths.witnessPlan, { refused: 'wire 12 differed' }, artifacts.manifest.artifacts['sym']!)
    await expectWasmFallback(/an earlier check found glassbox's witness differs from circom's for this circuit \(wire 12 differed\)/)
    await rm(paths.witnessPlan)
  })

  it('refuses an input the circuit has no witness for with the range error, not a fallback', async () => {
    const native = await createWitnessCalculator(artifacts)
    const { signals } = circuitInput(artifacts.model, [1, 2, 3, 4], PROVER, { salted: true })
    signals.in[0] = (1n << 40n).toString()
    await expect(native.calculate(signals)).rejects.toThrow(RangeOverflowError)
    expect(native.kind).toBe('native')
  })
})
