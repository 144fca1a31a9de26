/**
 * Options that cannot be used are refused with exit 2 and a message naming
 * the option, never silently replaced by a default (issue 8, item 3).
 * Runs the built CLI (npm test builds dist/ first).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ROOT, examplePath } from './support/exampleBuild.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin', 'glassbox.js')

async function glassbox(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stderr }
  } catch (error) {
    const e = error as { code: number; stderr: string }
    return { code: e.code, stderr: e.stderr }
  }
}

describe('glassbox refuses unusable option values (exit 2)', () => {
  const compile = (...extra: string[]) =>
    glassbox('compile', examplePath('iris', 'model.onnx'), '--out', join(ROOT, 'build', 'never-written'), '--calibration', examplePath('iris', 'calibration.jsonl'), ...extra)

  it.each([
    [['--weight-bits', '0'], /--weight-bits must be an integer from 4 to 40, got 0/],
    [['--weight-bits', '1.5'], /--weight-bits must be an integer from 4 to 40, got 1\.5/],
    [['--bits', '2'], /--bits must be an integer from 4 to 40, got 2/],
    [['--headroom', '-1'], /--headroom must be an integer from 0 to 16/],
    [['--target', 'accuracy', '--bits', '8'], /mutually exclusive/],
  ])('compile %j', async (extra, message) => {
    const result = await compile(...extra)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
  })

  it.each(['0', '-1', '1.5'])('prove --workers %s', async (workers) => {
    const result = await glassbox('prove', join(ROOT, 'build', 'missing'), '--inputs', examplePath('iris', 'inputs.jsonl'), '--out', join(ROOT, 'build', 'never.jsonl'), '--workers', workers)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(new RegExp(`--workers must be an integer ≥ 1, got ${workers.replace('.', '\\.')}`))
  })
})
