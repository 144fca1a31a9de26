import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { examplePath } from '../../test/support/exampleBuild.js'
import { readManifest } from '../artifacts/manifest.js'
import { QuantizeError } from '../errors.js'
import { compileModel } from './compileModel.js'

const TIMEOUT = 240_000
const iris = { modelPath: examplePath('iris', 'model.onnx'), calibrationPath: examplePath('iris', 'calibration.jsonl'), name: 'iris' }

describe('compileModel reports fixed-point accuracy where it is decided', () => {
  const dirs: string[] = []
  const outDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-compile-'))
    dirs.push(dir)
    return dir
  }
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })
  const recording = () => {
    const lines: { level: string; message: string }[] = []
    return { lines, logger: { info: (m: string) => lines.push({ level: 'info', message: m }), warn: (m: string) => lines.push({ level: 'warn', message: m }), debug() {} } }
  }

  it('records agreement on the calibration and validation sets in the manifest, and logs it', async () => {
    const { lines, logger } = recording()
    const dir = await outDir()
    const { manifest } = await compileModel({ ...iris, outDir: dir, validationPath: examplePath('iris', 'test.jsonl'), logger })
    const accuracy = manifest.accuracy!
    expect(accuracy.calibration).toMatchObject({ samples: 48, overflows: 0 })
    expect(accuracy.calibration.top1Agreement).toBeGreaterThanOrEqual(0.99)
    expect(accuracy.validation).toMatchObject({ file: 'test.jsonl', samples: 38 })
    expect(accuracy.validation!.fixedAccuracy).not.toBeNull()
    expect(accuracy.warning).toBeUndefined()
    expect((await readManifest(dir)).accuracy).toEqual(accuracy)
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).accuracy.validation.agreed).toBe(accuracy.validation!.agreed)
    expect(lines.find((l) => l.level === 'info' && /fixed point agrees with float on \d+\/48 calibration inputs .* on \d+\/38 validation \(test\.jsonl\)/.test(l.message))).toBeDefined()
    expect(lines.some((l) => l.level === 'warn')).toBe(false)
  }, TIMEOUT)

  it('warns loudly below 99% agreement, in the log and in the manifest', async () => {
    const { lines, logger } = recording()
    const { manifest } = await compileModel({ ...iris, outDir: await outDir(), bits: 6, weightBits: 4, logger })
    expect(manifest.accuracy!.calibration.top1Agreement).toBeLessThan(0.99)
    expect(manifest.accuracy!.warning).toMatch(/only \d+\/48 calibration inputs .* below 99\.00%/)
    expect(lines.find((l) => l.level === 'warn')?.message).toMatch(/^LOW ACCURACY: /)
  }, TIMEOUT)

  it('refuses --target together with --bits or --weight-bits, and --weight-bits 0', async () => {
    await expect(compileModel({ ...iris, outDir: await outDir(), target: 'accuracy', bits: 8 })).rejects.toThrow(/cannot be combined with --bits/)
    await expect(compileModel({ ...iris, outDir: await outDir(), weightBits: 0 })).rejects.toThrow(QuantizeError)
    await expect(compileModel({ ...iris, outDir: await outDir(), weightBits: 0 })).rejects.toThrow(/--weight-bits must be an integer from 4 to 40, got 0/)
  }, TIMEOUT)
})
