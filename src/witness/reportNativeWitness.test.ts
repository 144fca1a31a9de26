import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import type { Logger } from '../logger.js'
import type { WitnessBinaryInfo } from './buildWitnessBinary.js'
import { WITNESS_INFO_FILE } from './buildWitnessBinary.js'
import { reportNativeWitness } from './reportNativeWitness.js'

const SOURCE = 'a'.repeat(64)
// Only the field locateNativeWitness reads: the C++ source hash.
const manifest = { artifacts: { witnessSource: SOURCE } } as unknown as Manifest

function capture(): Logger & { lines: string[] } {
  const lines: string[] = []
  return { lines, info: (m) => lines.push(`info: ${m}`), warn: (m) => lines.push(`warn: ${m}`), debug() {} }
}

/** Installs witness/ the way ensureNativeWitness publishes it (files, then witness.json with their hashes). */
async function install(buildDir: string): Promise<void> {
  const dir = buildPaths(buildDir).witnessNative
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'circuit'), '#!/bin/sh\n')
  await writeFile(join(dir, 'circuit.dat'), 'data')
  const info: WitnessBinaryInfo = {
    format: 'glassbox/witness@1',
    sourceSha256: SOURCE,
    binarySha256: await sha256File(join(dir, 'circuit')),
    datSha256: await sha256File(join(dir, 'circuit.dat')),
    recipe: { cxx: 'g++ test', optimization: 'O1', units: 1 },
    buildSeconds: 1,
    builtAt: '2026-01-01T00:00:00.000Z',
  }
  await writeFile(join(dir, WITNESS_INFO_FILE), JSON.stringify(info))
}

describe('reportNativeWitness: a batch hears when the background build lands', () => {
  let buildDir: string | undefined
  afterEach(async () => {
    if (buildDir) await rm(buildDir, { recursive: true, force: true })
  })

  it('warns that wasm is used for now, then says when the native binary is ready', async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'glassbox-report-witness-'))
    const logger = capture()
    expect(await reportNativeWitness(buildDir, manifest, 'native', logger)).toBe('wasm')
    expect(logger.lines).toEqual([expect.stringMatching(/^warn: witness: wasm for now, native when ready/)])
    await install(buildDir)
    await expect.poll(() => logger.lines.at(-1), { timeout: 10_000, interval: 200 }).toMatch(/^info: witness: native binary ready \(built 2026-01-01T00:00:00\.000Z\); provers switch to it from their next input$/)
    expect(logger.lines).toHaveLength(2)
  })

  it('says when the background build failed (proving stays on wasm)', async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'glassbox-report-witness-'))
    const logger = capture()
    await reportNativeWitness(buildDir, manifest, 'native', logger)
    await writeFile(buildPaths(buildDir).witnessLog, '2026-01-01T00:00:00.000Z failed: g++ exited with 1\n')
    await expect.poll(() => logger.lines.at(-1), { timeout: 10_000, interval: 200 }).toMatch(/^warn: witness: the native build did not produce a usable binary; proving stays on wasm/)
  })

  it('reports a ready binary at once and does not watch', async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'glassbox-report-witness-'))
    await install(buildDir)
    const logger = capture()
    expect(await reportNativeWitness(buildDir, manifest, 'native', logger)).toBe('native')
    expect(logger.lines).toEqual([])
  })
})
