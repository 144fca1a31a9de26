/**
 * Exit codes and messages of the built CLI for file problems and interrupts:
 * a missing output folder is created, a path in the way is named (exit 2, not
 * 1 "a check failed"), Ctrl-C exits 130 and says how to resume.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { ROOT, buildExample, examplePath } from './support/exampleBuild.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin', 'glassbox.js')

async function glassbox(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('glassbox CLI: file problems are named (exit 2), interrupts exit 130 with how to resume', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'glassbox-cli-exit-'))
  const inputs = examplePath('iris', 'inputs.jsonl')
  let buildDir: string

  beforeAll(async () => {
    buildDir = await buildExample('iris')
  })
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true })
    await rm(join(buildDir, '..'), { recursive: true, force: true })
  })

  it('creates missing output folders (run --out a/b/c.jsonl)', async () => {
    const out = join(scratch, 'not', 'there', 'yet', 'outputs.jsonl')
    const result = await glassbox('run', buildDir, '--inputs', inputs, '--out', out)
    expect(result.code, result.stderr).toBe(0)
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(8)
  })

  it('names a folder given where a file is needed: exit 2, no stack trace, JSON with the code', async () => {
    const folder = join(scratch, 'a-folder')
    await mkdir(folder)
    const result = await glassbox('run', buildDir, '--inputs', inputs, '--out', folder)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`error: this is a folder, not a file: ${folder}`)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    const json = await glassbox('run', buildDir, '--inputs', inputs, '--out', folder, '--json')
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { name: 'FileAccessError', code: 'GLASSBOX_FILE_ACCESS', exitCode: 2 } })
  })

  it('names a file in the way of compile --out (exit 2)', async () => {
    const file = join(scratch, 'plain-file')
    await writeFile(file, 'not a folder\n')
    const result = await glassbox('compile', examplePath('iris', 'model.onnx'), '--out', join(file, 'build'), '--calibration', examplePath('iris', 'calibration.jsonl'))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`error: a part of this path is a file, not a folder: ${join(file, 'build')}`)
    const taken = await glassbox('compile', examplePath('iris', 'model.onnx'), '--out', file, '--calibration', examplePath('iris', 'calibration.jsonl'), '--json')
    expect(taken.code).toBe(2)
    expect(JSON.parse(taken.stdout).error).toMatchObject({ code: 'GLASSBOX_FILE_ACCESS', message: `a file is in the way: ${file}` })
  })

  it('names a missing artifact read as a raw file (exit 2, not 1)', async () => {
    const broken = join(scratch, 'no-model-json')
    await mkdir(broken)
    await writeFile(join(broken, 'manifest.json'), await readFile(buildPaths(buildDir).manifest))
    const result = await glassbox('inspect', broken)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`error: no such file or folder: ${join(broken, 'model.json')}`)
  })

  it('prints the constraint estimate before circom, and the time circom took', async () => {
    const out = join(scratch, 'compiled')
    const result = await glassbox('compile', examplePath('iris', 'model.onnx'), '--out', out, '--calibration', examplePath('iris', 'calibration.jsonl'))
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/estimated \d+ constraints \(--O2\); compiling with circom…\ncircom --O2…\ncircom --O2: done in [\d.]+ s \(\d+ constraints, \d+ wires\)/)
  })

  it('Ctrl-C during prove exits 130, keeps whole proof lines and says to rerun the same command', async () => {
    const many = join(scratch, 'many.jsonl')
    const lines = (await readFile(inputs, 'utf8')).trim().split('\n')
    const copies = Array.from({ length: 60 }, (_, i) => lines[i % lines.length]!.replace(/"id":\s*"[^"]*"/, `"id": "copy-${i}"`))
    await writeFile(many, `${copies.join('\n')}\n`)
    const out = join(scratch, 'interrupted-proofs.jsonl')
    const child = spawn(process.execPath, [BIN, 'prove', buildDir, '--inputs', many, '--out', out, '--workers', '1'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      // Interrupt once some proofs are written.
      if (/proving: [1-9]\d*\/60/.test(stderr) && child.exitCode === null && !child.killed) child.kill('SIGINT')
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(code, stderr).toBe(130)
    expect(stderr).toMatch(/interrupted \(Ctrl-C\)\.\nThe proofs written so far are kept \(those in flight were finished\)\. To resume, rerun the same command/)
    expect(stderr).toContain(`glassbox prove ${buildDir} --inputs ${many} --out ${out} --workers 1`)
    expect(existsSync(out)).toBe(true)
    const written = (await readFile(out, 'utf8')).split('\n').filter(Boolean)
    expect(written.length).toBeGreaterThan(0)
    expect(written.length).toBeLessThan(60)
  })
})
