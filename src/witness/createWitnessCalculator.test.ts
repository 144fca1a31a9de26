import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KEYS_DIR, buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { sha256Tree } from '../artifacts/sha256Tree.js'
import type { Logger } from '../logger.js'
import { circuitInput } from '../prove/circuitInput.js'
import type { ProvingArtifacts } from '../prove/provingArtifacts.js'
import { loadProvingArtifacts } from '../prove/provingArtifacts.js'
import { WITNESS_INFO_FILE } from './buildWitnessBinary.js'
import type { WitnessBinaryInfo } from './buildWitnessBinary.js'
import { createWitnessCalculator } from './createWitnessCalculator.js'
import { ensureNativeWitness } from './ensureNativeWitness.js'
import { findWitnessToolchain } from './findWitnessToolchain.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const CACHE = join(KEYS_DIR, 'witness-cache')
const toolchain = await findWitnessToolchain()
if (!toolchain.ok) console.warn(`skipping native witness tests: ${toolchain.reason}`)

function recordingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = []
  const infos: string[] = []
  return { warnings, infos, info: (m) => infos.push(m), warn: (m) => warnings.push(m), debug() {} }
}

async function testInputs(name: 'iris' | 'digits'): Promise<{ id: string; input: number[] }[]> {
  const text = await readFile(examplePath(name, 'test.jsonl'), 'utf8')
  return text.trim().split('\n').map((line) => JSON.parse(line) as { id: string; input: number[] })
}

describe.skipIf(!toolchain.ok)('native witness: byte-identical to wasm on the examples’ test sets', () => {
  for (const name of ['iris', 'digits'] as const) {
    describe(name, () => {
      let artifacts: ProvingArtifacts
      beforeAll(async () => {
        const buildDir = await buildExample(name, { setup: false, nativeWitness: true })
        await ensureNativeWitness({ buildDir, cacheDir: CACHE })
        artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
      })

      it('every test.jsonl line gives the same .wtns bytes', async () => {
        const logger = recordingLogger()
        const native = await createWitnessCalculator(artifacts, { logger })
        const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
        expect(native.kind).toBe('native')
        expect(wasm.kind).toBe('wasm')
        const lines = await testInputs(name)
        let compared = 0
        try {
          for (const { id, input } of lines) {
            const { signals } = circuitInput(artifacts.model, input, PROVER, { salted: artifacts.manifest.input.salted === true })
            const [a, b] = await Promise.all([native.calculate(signals), wasm.calculate(signals)])
            if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) expect.fail(`${name} ${id}: native and wasm witnesses differ`)
            compared++
          }
          expect(native.kind).toBe('native')
        } finally {
          await native.close()
          await wasm.close()
        }
        expect(compared).toBe(lines.length)
        expect(logger.warnings).toEqual([])
      })
    })
  }
})

describe('native witness: falls back to wasm', () => {
  let buildDir: string
  let artifacts: ProvingArtifacts
  let signals: Record<string, unknown>
  let expected: Uint8Array
  beforeAll(async () => {
    buildDir = await buildExample('iris', { setup: false, nativeWitness: true })
    artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
    signals = circuitInput(artifacts.model, [5.1, 3.5, 1.4, 0.2], PROVER, { salted: artifacts.manifest.input.salted === true }).signals
    const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
    expected = await wasm.calculate(signals)
  })
  afterAll(() => rm(join(buildDir, '..'), { recursive: true, force: true }))

  it('reports a missing toolchain instead of throwing', async () => {
    const found = await findWitnessToolchain({ cxx: join(buildDir, 'no-such-g++') })
    expect(found.ok).toBe(false)
    if (!found.ok) expect(found.reason).toMatch(/no C\+\+ compiler.*libgmp-dev/)
  })

  it('uses wasm quietly for a model compiled without a native witness', async () => {
    const manifest = await readManifest(buildDir)
    const { witnessSource: _, ...rest } = manifest.artifacts
    const logger = recordingLogger()
    const witness = await createWitnessCalculator({ ...artifacts, manifest: { ...manifest, artifacts: rest } }, { logger })
    expect(witness.kind).toBe('wasm')
    expect(await witness.calculate(signals)).toEqual(expected)
    expect(logger.warnings).toEqual([])
  })

  it('uses wasm with one warning while the binary is not built, and switches once it is', async () => {
    const logger = recordingLogger()
    const witness = await createWitnessCalculator(artifacts, { logger, recheckMs: 0 })
    expect(witness.kind).toBe('wasm')
    expect(await witness.calculate(signals)).toEqual(expected)
    expect(await witness.calculate(signals)).toEqual(expected)
    expect(logger.warnings).toHaveLength(1)
    expect(logger.warnings[0]).toMatch(/native witness unavailable, using wasm: no native witness binary/)
    if (!toolchain.ok) return
    await ensureNativeWitness({ buildDir, cacheDir: CACHE })
    expect(await witness.calculate(signals)).toEqual(expected)
    expect(witness.kind).toBe('native')
    expect(logger.infos.join('\n')).toMatch(/switching from wasm/)
    await witness.close()
  })

  it('refuses a binary built from another circuit, and retries a failing binary in wasm', async () => {
    const dir = buildPaths(buildDir).witnessNative
    const fake = join(buildDir, 'fake-witness')
    await rm(fake, { recursive: true, force: true })
    await mkdir(fake, { recursive: true })
    await writeFile(join(fake, 'circuit'), '#!/bin/sh\necho "simulated crash" >&2\nexit 3\n')
    await chmod(join(fake, 'circuit'), 0o755)
    await writeFile(join(fake, 'circuit.dat'), 'not a circuit')
    const manifest = await readManifest(buildDir)
    const info: WitnessBinaryInfo = {
      format: 'glassbox/witness@1',
      sourceSha256: 'f'.repeat(64),
      binarySha256: await sha256File(join(fake, 'circuit')),
      datSha256: await sha256File(join(fake, 'circuit.dat')),
      recipe: { cxx: 'sh', optimization: 'O0', units: 1 },
      buildSeconds: 0,
      builtAt: new Date().toISOString(),
    }
    await writeFile(join(fake, WITNESS_INFO_FILE), JSON.stringify(info))
    await rm(dir, { recursive: true, force: true })
    await cp(fake, dir, { recursive: true })

    const other = recordingLogger()
    const refused = await createWitnessCalculator(artifacts, { logger: other })
    expect(refused.kind).toBe('wasm')
    expect(other.warnings.join()).toMatch(/another circuit/)

    await writeFile(join(dir, WITNESS_INFO_FILE), JSON.stringify({ ...info, sourceSha256: manifest.artifacts['witnessSource'] }))
    const logger = recordingLogger()
    const witness = await createWitnessCalculator(artifacts, { logger })
    expect(witness.kind).toBe('native')
    expect(await witness.calculate(signals)).toEqual(expected)
    expect(witness.kind).toBe('wasm')
    expect(logger.warnings.join()).toMatch(/native witness failed where wasm succeeded .*simulated crash/)
    await witness.close()
    await rm(dir, { recursive: true, force: true })
  })

  it.skipIf(!toolchain.ok)('throws the circuit’s own error when native and wasm both reject an input', async () => {
    await ensureNativeWitness({ buildDir, cacheDir: CACHE })
    const witness = await createWitnessCalculator(artifacts)
    expect(witness.kind).toBe('native')
    // Far outside the 16-bit input range: the range check's constraint fails in both generators.
    const bad = { ...signals, in: (signals['in'] as string[]).map(() => (1n << 40n).toString()) }
    // The circuit's own rejection, from the wasm retry: circom's failed-constraint message naming
    // the template, not a crash of the binary or any other error.
    const error = await witness.calculate(bad).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/^(Error: )?Assert Failed\.[\s\S]*Error in template/)
    expect(witness.kind).toBe('native')
    await witness.close()
  })

  it('records the hash of the C++ source in the manifest', async () => {
    const manifest = await readManifest(buildDir)
    expect(manifest.artifacts['witnessSource']).toBe(await sha256Tree(buildPaths(buildDir).witnessCpp))
  })
})
