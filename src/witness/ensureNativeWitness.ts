import { chmod, copyFile, link, mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest } from '../artifacts/manifest.js'
import { CompileError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { BuildWitnessBinaryReturnType, WitnessOptimization } from './buildWitnessBinary.js'
import { WITNESS_INFO_FILE, buildWitnessBinary } from './buildWitnessBinary.js'
import type { WitnessToolchain } from './findWitnessToolchain.js'
import { sha256Tree } from '../artifacts/sha256Tree.js'
import { WITNESS_SOURCE_KEY } from './locateNativeWitness.js'

export type EnsureNativeWitnessParameters = {
  /** A build folder compiled with the native witness (it has `circuit_cpp/` and `artifacts.witnessSource`). */
  buildDir: string
  /** Binary cache shared by build folders (e.g. `keys/witness-cache`). */
  cacheDir: string
  optimization?: WitnessOptimization
  jobs?: number
  toolchain?: WitnessToolchain
  logger?: Logger
}

export type EnsureNativeWitnessReturnType = BuildWitnessBinaryReturnType & {
  /** The installed copy in the build folder (`witness/circuit`). */
  installed: string
}

/**
 * Makes a build folder's native witness generator: checks its C++ source
 * against the manifest, builds it through the cache ({@link buildWitnessBinary})
 * and installs it as `witness/` in the build folder (a hard link where the
 * file system allows, published by rename so a prover polling for it never
 * sees half of it).
 *
 * @throws {CompileError} when the folder has no C++ source, it does not match the manifest, or the build fails.
 * @throws {ArtifactError} when the manifest is missing.
 *
 * @example
 * await ensureNativeWitness({ buildDir: 'build/iris', cacheDir: 'keys/witness-cache' })
 */
export async function ensureNativeWitness({ buildDir, cacheDir, logger = silentLogger, ...options }: EnsureNativeWitnessParameters): Promise<EnsureNativeWitnessReturnType> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  const expected = manifest.artifacts[WITNESS_SOURCE_KEY]
  if (!expected) {
    throw new CompileError(`${buildDir} was compiled without a native witness.`, { details: 'Recompile with `glassbox compile … --native-witness`.' })
  }
  const actual = await sha256Tree(paths.witnessCpp).catch(() => undefined)
  if (actual !== expected) {
    throw new CompileError(`${paths.witnessCpp} does not match the manifest.`, {
      details: actual ? `Expected source SHA-256 ${expected}, found ${actual}. Recompile the model.` : 'The folder is missing; recompile the model.',
    })
  }
  const built = await buildWitnessBinary({ cppDir: paths.witnessCpp, cacheDir, sourceSha256: expected, logger, ...options })

  const target = paths.witnessNative
  const staging = `${target}.tmp-${process.pid}-${Date.now()}`
  const old = `${target}.old-${process.pid}-${Date.now()}`
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  try {
    for (const file of ['circuit', 'circuit.dat', WITNESS_INFO_FILE]) {
      await link(join(built.dir, file), join(staging, file)).catch(() => copyFile(join(built.dir, file), join(staging, file)))
    }
    await chmod(join(staging, 'circuit'), 0o755)
    await rename(target, old).catch(() => undefined)
    await rename(staging, target)
  } finally {
    await rm(staging, { recursive: true, force: true })
    await rm(old, { recursive: true, force: true })
  }
  return { ...built, installed: join(target, 'circuit') }
}
