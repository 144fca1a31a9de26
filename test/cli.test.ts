import { execFile } from 'node:child_process'
import { copyFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { attr, buildModel, node, tensor, writeModel, writeTemp } from './support/buildOnnx.js'
import { ROOT, buildExample, examplePath } from './support/exampleBuild.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin', 'glassbox.js')

/** Runs the built CLI (npm test builds dist/ first) and returns its exit code and output. */
async function glassbox(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

function expectCleanError(result: { code: number; stderr: string }, pattern: RegExp) {
  expect(result.code).toBe(2)
  expect(result.stderr).toMatch(pattern)
  expect(result.stderr).not.toMatch(/^\s+at /m) // no stack trace without --verbose
}

describe('glassbox CLI: bad input exits 2 with a clear message', () => {
  const calibration = examplePath('iris', 'calibration.jsonl')
  let buildDir: string

  beforeAll(async () => {
    buildDir = await buildExample('iris')
  })

  it('names an unsupported op, its node and the supported ops', async () => {
    const model = buildModel({
      input: { name: 'x', shape: [1, 4] },
      output: { name: 'y' },
      initializers: [tensor('w', [3, 4], new Array(12).fill(0.1)), tensor('b', [3], [0, 0, 0])],
      nodes: [node('Gemm', ['x', 'w', 'b'], ['h'], { name: 'fc', attributes: [attr.int('transB', 1)] }), node('Softplus', ['h'], ['y'], { name: 'act' })],
    })
    const result = await glassbox('compile', writeModel(model, 'softplus.onnx'), '--out', join(buildDir, '..', 'sp'), '--calibration', calibration)
    expectCleanError(result, /Unsupported ONNX op "Softplus" at node "act"[\s\S]*Gemm/)
  })

  it('rejects a truncated ONNX file', async () => {
    const bytes = await readFile(examplePath('iris', 'model.onnx'))
    const result = await glassbox('compile', writeTemp('truncated.onnx', bytes.subarray(0, 200)), '--out', join(buildDir, '..', 'tr'), '--calibration', calibration)
    expectCleanError(result, /not a valid ONNX model/)
  })

  it('rejects an input of the wrong length, naming file and line', async () => {
    const inputs = writeTemp('short.jsonl', '{"id":"a","input":[5.1,3.5,1.4,0.2]}\n{"id":"b","input":[5.1,3.5]}\n')
    const result = await glassbox('run', buildDir, '--inputs', inputs)
    expectCleanError(result, /short\.jsonl:2: "input" has 2 values but the model takes 4/)
  })

  it('rejects NaN in an input', async () => {
    const inputs = writeTemp('nan.jsonl', '{"id":"a","input":[5.1,NaN,1.4,0.2]}\n')
    // prove goes on past a bad line: it becomes an error line, and the exit code says an input could not be proven.
    const proved = await glassbox('prove', buildDir, '--inputs', inputs, '--out', join(buildDir, 'nan-proofs.jsonl'))
    expect(proved.code).toBe(1)
    expect(proved.stderr).toMatch(/nan\.jsonl:1 \(a\): not valid JSON[\s\S]*NaN/)
    expect(await readFile(join(buildDir, 'nan-proofs.errors.jsonl'), 'utf8')).toMatch(/^\{"id":"a","line":1,"reason":"not valid JSON/)
    const nulls = writeTemp('null.jsonl', '{"id":"a","input":[5.1,null,1.4,0.2]}\n')
    expectCleanError(await glassbox('run', buildDir, '--inputs', nulls), /input\[1\] is null, not a finite number/)
  })

  it('refuses a zkey that does not belong to the circuit', async () => {
    const other = await buildExample('iris', { bits: 12 })
    const target = await buildExample('iris')
    await copyFile(buildPaths(other).zkey, buildPaths(target).zkey)
    const result = await glassbox('prove', target, '--inputs', examplePath('iris', 'inputs.jsonl'), '--out', join(target, 'p.jsonl'))
    expectCleanError(result, /circuit\.zkey does not match its hash in the manifest/)
    const verbose = await glassbox('prove', target, '--inputs', examplePath('iris', 'inputs.jsonl'), '--out', join(target, 'p.jsonl'), '--verbose')
    expect(verbose.code).toBe(2)
    expect(verbose.stderr).toMatch(/^\s+at /m)
  })

  it('exits 2 on bad usage and 1 when a proof does not verify', async () => {
    expect((await glassbox('prove', buildDir)).code).toBe(2)
    expect((await glassbox('frobnicate')).code).toBe(2)
    const proofs = join(buildDir, 'cli-proofs.jsonl')
    const proved = await glassbox('prove', buildDir, '--inputs', examplePath('iris', 'inputs.jsonl'), '--out', proofs, '--workers', '1', '--quiet')
    expect(proved.code).toBe(0)
    expect((await glassbox('verify', buildDir, '--proofs', proofs)).code).toBe(0)
    const [line, ...rest] = (await readFile(proofs, 'utf8')).trim().split('\n')
    // A fresh machine proves with glassbox's own witness: CI installs no compiler packages.
    for (const proof of [line, ...rest]) expect((JSON.parse(proof!) as { witness: string }).witness).toBe('native')
    const record = JSON.parse(line!) as { publicSignals: string[] }
    record.publicSignals[0] = String(BigInt(record.publicSignals[0]!) + 1n)
    await writeFile(proofs, [JSON.stringify(record), ...rest].join('\n') + '\n')
    const failed = await glassbox('verify', buildDir, '--proofs', proofs, '--json')
    expect(failed.code).toBe(1)
    // --json: one document on stdout, the failure with the command's result inside.
    const document = JSON.parse(failed.stdout) as { ok: boolean; error: { code: string }; result: { offchain: { valid: boolean }[] } }
    expect(document.ok).toBe(false)
    expect(document.error.code).toBe('GLASSBOX_CHECK_FAILED')
    expect(document.result.offchain.filter((c) => !c.valid)).toHaveLength(1)
  })

  it('inspects a model and a build folder', async () => {
    const onnx = await glassbox('inspect', examplePath('iris', 'model.onnx'))
    expect(onnx.code).toBe(0)
    expect(onnx.stdout).toMatch(/dense[\s\S]*relu[\s\S]*dense/)
    const build = await glassbox('inspect', buildDir, '--json')
    expect(JSON.parse(build.stdout).manifest.constraints.total).toBeGreaterThan(0)
  })
})
