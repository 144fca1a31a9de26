import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS_DIR, buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import { proveBatch } from '../prove/proveBatch.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { verifyProofs } from '../verify/verifyProofs.js'
import { findWitnessToolchain } from './findWitnessToolchain.js'
import { locateNativeWitness } from './locateNativeWitness.js'
import { startBackgroundWitnessBuild } from './startBackgroundWitnessBuild.js'

const toolchain = await findWitnessToolchain()
if (!toolchain.ok) console.warn(`skipping background witness build tests: ${toolchain.reason}`)

describe.skipIf(!toolchain.ok)('background native witness build, then proving with it', () => {
  let buildDir: string
  beforeAll(async () => {
    buildDir = await buildExample('iris', { nativeWitness: true })
  })
  afterAll(releaseSnarkjs)

  it('builds and installs witness/ from a detached process while the caller goes on', async () => {
    const started = performance.now()
    const { pid, logPath } = startBackgroundWitnessBuild({ buildDir, cacheDir: join(KEYS_DIR, 'witness-cache') })
    expect(pid).toBeGreaterThan(0)
    expect(performance.now() - started).toBeLessThan(1000) // returns at once
    const manifest = await readManifest(buildDir)
    let found = await locateNativeWitness(buildDir, manifest)
    while (!found.ok && performance.now() - started < 400_000) {
      await sleep(500)
      found = await locateNativeWitness(buildDir, manifest)
    }
    expect(found.ok, await readFile(logPath, 'utf8').catch(() => 'no log')).toBe(true)
    await expect.poll(() => readFile(logPath, 'utf8'), { timeout: 10_000 }).toMatch(/done\n$/)
    expect(logPath).toBe(buildPaths(buildDir).witnessLog)
  }, 420_000)

  it('proves with the native witness; the proofs verify', async () => {
    const warnings: string[] = []
    const logger: Logger = { info() {}, debug() {}, warn: (m) => warnings.push(m) }
    const outPath = join(buildDir, 'proofs.jsonl')
    const result = await proveBatch({ buildDir, inputsPath: examplePath('iris', 'inputs.jsonl'), outPath, workers: 2, logger })
    expect(result.failures).toEqual([])
    expect(result.proven).toBe(8)
    expect(warnings.filter((w) => /witness/.test(w))).toEqual([])
    const checks = await verifyProofs({ buildDir, proofsPath: outPath })
    expect(checks.every((c) => c.valid)).toBe(true)
  })
})
