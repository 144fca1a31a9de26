/**
 * The committed-weights CLI: `compile --weights committed`, `inspect` (MACs,
 * commitment), `weights` (the build's own set; refusals of a constant build
 * and of another network, exit 2 with the reason), `run --weights`.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, examplePath } from './support/exampleBuild.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin', 'glassbox.js')

/** Runs the built CLI (npm test builds dist/ first). */
async function glassbox(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('glassbox CLI with committed weights', () => {
  const root = mkdtempSync(join(tmpdir(), 'glassbox-weights-cli-'))
  const committed = join(root, 'committed')
  const constant = join(root, 'constant')
  const common = ['--calibration', examplePath('iris', 'calibration.jsonl'), '--quiet']

  beforeAll(async () => {
    for (const [out, weights] of [[committed, 'committed'], [constant, 'constant']] as const) {
      const result = await glassbox('compile', examplePath('iris', 'model.onnx'), '--out', out, '--weights', weights, ...common)
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    }
  }, 300_000)
  afterAll(() => rm(root, { recursive: true, force: true }))

  it('compiles with weightsCommitment among the public signals and shows MACs in inspect', async () => {
    const manifest = JSON.parse(await readFile(join(committed, 'manifest.json'), 'utf8')) as { weights: { visibility: string; commitment: string }; publicSignals: { role: string }[] }
    expect(manifest.weights.visibility).toBe('committed')
    expect(manifest.publicSignals.map((s) => s.role)).toContain('weightsCommitment')
    const inspect = await glassbox('inspect', committed)
    expect(inspect.code).toBe(0)
    expect(inspect.stdout).toMatch(/MACs/)
    expect(inspect.stdout).toMatch(/weights: committed \(private signals, 67 values/)
    expect(inspect.stdout).toContain(manifest.weights.commitment)
  })

  it('writes the build’s own weight set and runs with it', async () => {
    const out = join(root, 'own.json')
    const made = await glassbox('weights', committed, '--out', out, '--json')
    expect(made.code).toBe(0)
    const manifest = JSON.parse(await readFile(join(committed, 'manifest.json'), 'utf8')) as { weights: { commitment: string } }
    expect((JSON.parse(made.stdout) as { commitment: string }).commitment).toBe(manifest.weights.commitment)
    const ran = await glassbox('run', committed, '--inputs', examplePath('iris', 'inputs.jsonl'), '--weights', out, '--json')
    expect(ran.code).toBe(0)
    const plain = await glassbox('run', committed, '--inputs', examplePath('iris', 'inputs.jsonl'), '--json')
    expect(ran.stdout).toBe(plain.stdout)
  })

  it('refuses weight sets for a constant build, and the weights of another network', async () => {
    const onConstant = await glassbox('weights', constant, '--out', join(root, 'x.json'))
    expect(onConstant.code).toBe(2)
    expect(onConstant.stderr).toMatch(/constant weights[\s\S]*--weights committed/)
    const runConstant = await glassbox('run', constant, '--inputs', examplePath('iris', 'inputs.jsonl'), '--weights', join(root, 'own.json'))
    expect(runConstant.code).toBe(2)
    expect(runConstant.stderr).toMatch(/constant weights/)
    const other = await glassbox('weights', committed, '--model', examplePath('digits', 'model.onnx'), '--out', join(root, 'digits.json'))
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/does not have the architecture of the build[\s\S]*input shape: build \[1,4\], new model \[1,64\]/)
    expect(other.stderr).not.toMatch(/^\s+at /m)
  })

  it('verify --weights refuses a weight set of another build before checking proofs', async () => {
    const foreign = JSON.parse(await readFile(join(root, 'own.json'), 'utf8')) as { architecture: string }
    const path = join(root, 'foreign.json')
    await writeFile(path, JSON.stringify({ ...foreign, architecture: 'ab'.repeat(32) }))
    await writeFile(join(root, 'empty.jsonl'), '')
    const verified = await glassbox('verify', committed, '--proofs', join(root, 'empty.jsonl'), '--weights', path)
    expect(verified.code).toBe(2)
    expect(verified.stderr).toMatch(/belongs to another architecture/)
  })
})
