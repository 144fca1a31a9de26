import { availableParallelism, platform } from 'node:os'
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { sha256File } from '../artifacts/sha256File.js'
import { CompileError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { acquireBuildLock } from './acquireBuildLock.js'
import type { WitnessToolchain } from './findWitnessToolchain.js'
import { findWitnessToolchain } from './findWitnessToolchain.js'
import { sha256Tree } from '../artifacts/sha256Tree.js'
import { runTool, tailLines } from './runTool.js'
import { splitCircuitCpp } from './splitCircuitCpp.js'
import { WITNESS_SERVER_MAIN } from './witnessServerSource.js'

/** g++ optimisation level of the generated circuit code. */
export type WitnessOptimization = 'O0' | 'O1' | 'O2' | 'O3' | 'Og' | 'Os'

/**
 * The default level, chosen by measurement (`npm run bench:witness -- --levels
 * O0,O1,O2`, figures in bench/README.md): the circuit code is tens of MB of
 * straight-line calls into the field arithmetic (which is assembly and -O2
 * C++ whatever this level), so g++'s time grows much faster with the level
 * than the code's speed does. -O0 builds LeNet-5 fastest but runs
 * Poseidon-heavy code several times slower; -O2 and circom's -O3 take
 * minutes more for a few per cent.
 */
export const DEFAULT_WITNESS_OPTIMIZATION: WitnessOptimization = 'O1'

/** What `witness.json` beside a built binary says about it. */
export type WitnessBinaryInfo = {
  format: 'glassbox/witness@1'
  /** {@link sha256Tree} of the C++ it was built from. */
  sourceSha256: string
  binarySha256: string
  datSha256: string
  recipe: { cxx: string; optimization: WitnessOptimization; units: number }
  buildSeconds: number
  builtAt: string
}

export const WITNESS_INFO_FILE = 'witness.json'

/** Bumped when the build itself changes (flags, the server main), so old cache entries are not reused. */
const RECIPE_VERSION = 'r3'

export type BuildWitnessBinaryParameters = {
  /** circom's C++ output (circuit.cpp, circuit.dat, main.cpp, calcwit.*, fr.*). */
  cppDir: string
  /** Binary cache; entries are `<cacheDir>/<source SHA-256>/<recipe>/`. */
  cacheDir: string
  optimization?: WitnessOptimization
  /** g++ processes at once (default: the cores, at most 4). circuit.cpp is split into this many units. */
  jobs?: number
  /** Default: found with {@link findWitnessToolchain}. */
  toolchain?: WitnessToolchain
  /** The source hash if already known (saves hashing tens of MB again). */
  sourceSha256?: string
  logger?: Logger
}

export type BuildWitnessBinaryReturnType = {
  /** The cache entry: `circuit`, `circuit.dat` (read by the binary from beside itself) and `witness.json`. */
  dir: string
  binary: string
  info: WitnessBinaryInfo
  /** True when the entry was already there (built earlier or by a concurrent process). */
  cached: boolean
}

/**
 * Builds circom's C++ witness generator into a binary, cached by the source's
 * SHA-256 and the recipe (compiler version, optimisation level), so a circuit
 * is built once per machine however many build folders hold it.
 *
 * circuit.cpp is split into one unit per job so both cores work; the small
 * support files are compiled at -O2 (they hold the field arithmetic's C++
 * side and take seconds). Concurrent builds of one entry wait for each other
 * through a lock file; each build writes a private folder and publishes it
 * by rename, so readers never see half a binary.
 *
 * @throws {CompileError} when the toolchain is missing or g++/nasm fail (with their output).
 *
 * @example
 * const { binary } = await buildWitnessBinary({ cppDir: 'build/iris/circuit_cpp', cacheDir: 'keys/witness-cache' })
 */
export async function buildWitnessBinary({
  cppDir,
  cacheDir,
  optimization = DEFAULT_WITNESS_OPTIMIZATION,
  jobs = Math.max(1, Math.min(4, availableParallelism())),
  toolchain,
  sourceSha256,
  logger = silentLogger,
}: BuildWitnessBinaryParameters): Promise<BuildWitnessBinaryReturnType> {
  try {
    await stat(join(cppDir, 'circuit.cpp'))
  } catch (cause) {
    throw new CompileError(`No circom C++ witness source in ${cppDir}.`, { details: 'Compile the model with the native witness on (`glassbox compile … --native-witness`).', cause })
  }
  if (!toolchain) {
    const found = await findWitnessToolchain()
    if (!found.ok) throw new CompileError('Cannot build the native witness generator.', { details: found.reason })
    toolchain = found.toolchain
  }
  const source = sourceSha256 ?? (await sha256Tree(cppDir))
  const recipeName = `${optimization}-${toolchain.cxxVersion.replace(/[^A-Za-z0-9.+]+/g, '_')}-${RECIPE_VERSION}`
  const entryRoot = resolve(cacheDir, source)
  const dir = join(entryRoot, recipeName)
  await mkdir(entryRoot, { recursive: true })

  const cachedEntry = () => readWitnessInfo(dir)
  const lock = await acquireBuildLock({
    path: `${dir}.lock`,
    isDone: async () => (await cachedEntry()) !== undefined,
    onWait: () => logger.info(`native witness: another process is building ${dir}; waiting for it`),
  })
  if (!lock) return { dir, binary: join(dir, 'circuit'), info: (await cachedEntry())!, cached: true }

  const work = `${dir}.tmp-${process.pid}-${Date.now()}`
  try {
    const started = performance.now()
    // Holding the lock: folders left by killed builds of this entry are garbage.
    for (const name of await readdir(entryRoot)) if (name.startsWith(`${recipeName}.tmp-`)) await rm(join(entryRoot, name), { recursive: true, force: true })
    await mkdir(work, { recursive: true })
    const units = splitCircuitCpp(await readFile(join(cppDir, 'circuit.cpp'), 'utf8'), jobs)
    logger.info(`native witness: g++ -${optimization}, circuit.cpp in ${units.length} unit(s) on ${jobs} job(s)…`)
    const compile = (file: string, level: string, ...defines: string[]) => [toolchain.cxx, ['-c', file, '-std=c++11', `-${level}`, ...defines, '-I', resolve(cppDir), '-o', `${file}.o`]] as const
    const steps: (readonly [string, readonly string[]])[] = []
    for (let i = 0; i < units.length; i++) {
      await writeFile(join(work, `circuit_${i}.cpp`), units[i]!)
      steps.push(compile(join(work, `circuit_${i}.cpp`), optimization))
    }
    // circom's main.cpp, unchanged but with its main renamed, under glassbox's server main (witnessServerSource.ts).
    await copyFile(join(cppDir, 'main.cpp'), join(work, 'main.cpp'))
    steps.push(compile(join(work, 'main.cpp'), 'O2', '-Dmain=circom_main'))
    await writeFile(join(work, 'glassbox_main.cpp'), WITNESS_SERVER_MAIN)
    steps.push(compile(join(work, 'glassbox_main.cpp'), 'O2'))
    for (const file of ['calcwit.cpp', 'fr.cpp']) {
      await copyFile(join(cppDir, file), join(work, file))
      steps.push(compile(join(work, file), 'O2'))
    }
    const nasmFormat = platform() === 'darwin' ? ['-fmacho64', '--prefix', '_'] : ['-felf64']
    steps.push([toolchain.nasm, [...nasmFormat, join(cppDir, 'fr.asm'), '-o', join(work, 'fr_asm.o')]])
    await runAll(steps, jobs)

    const support = ['main.cpp', 'glassbox_main.cpp', 'calcwit.cpp', 'fr.cpp']
    const objects = [...units.map((_, i) => join(work, `circuit_${i}.cpp.o`)), ...support.map((f) => join(work, `${f}.o`)), join(work, 'fr_asm.o')]
    const linkFlags = platform() === 'linux' ? ['-Wl,-z,noexecstack'] : []
    await runStep(toolchain.cxx, ['-o', join(work, 'circuit'), ...objects, '-lgmp', ...linkFlags])
    await copyFile(join(cppDir, 'circuit.dat'), join(work, 'circuit.dat'))
    for (const f of [...units.map((_, i) => `circuit_${i}.cpp`), ...support]) {
      await rm(join(work, f), { force: true })
      await rm(join(work, `${f}.o`), { force: true })
    }
    await rm(join(work, 'fr_asm.o'), { force: true })

    const info: WitnessBinaryInfo = {
      format: 'glassbox/witness@1',
      sourceSha256: source,
      binarySha256: await sha256File(join(work, 'circuit')),
      datSha256: await sha256File(join(work, 'circuit.dat')),
      recipe: { cxx: toolchain.cxxVersion, optimization, units: units.length },
      buildSeconds: Math.round((performance.now() - started) / 100) / 10,
      builtAt: new Date().toISOString(),
    }
    await writeFile(join(work, WITNESS_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`)
    try {
      await rename(work, dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      // Someone raced past the lock and published first: theirs is as good.
      const theirs = await cachedEntry()
      if (theirs) return { dir, binary: join(dir, 'circuit'), info: theirs, cached: true }
      throw error
    }
    logger.info(`native witness: built in ${info.buildSeconds} s → ${dir}`)
    return { dir, binary: join(dir, 'circuit'), info, cached: false }
  } catch (cause) {
    if (cause instanceof CompileError) throw cause
    throw new CompileError('Building the native witness generator failed.', { details: `Build folder ${work}. ${cause instanceof Error ? cause.message : String(cause)}`, cause })
  } finally {
    await rm(work, { recursive: true, force: true })
    await lock.release()
  }
}

/** The `witness.json` of a built entry, or undefined when the entry is missing or incomplete. */
export async function readWitnessInfo(dir: string): Promise<WitnessBinaryInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(join(dir, WITNESS_INFO_FILE), 'utf8')) as WitnessBinaryInfo
    if (info.format !== 'glassbox/witness@1') return undefined
    await stat(join(dir, 'circuit'))
    await stat(join(dir, 'circuit.dat'))
    return info
  } catch {
    return undefined
  }
}

async function runStep(command: string, args: readonly string[]): Promise<void> {
  let result
  try {
    result = await runTool(command, args)
  } catch (cause) {
    throw new CompileError(`Could not start ${command}.`, { details: 'Install the native witness toolchain or build without it (--no-native-witness).', cause })
  }
  if (result.code !== 0) {
    throw new CompileError(`${command} failed building the native witness generator (exit ${result.code}${result.signal ? `, ${result.signal}` : ''}).`, {
      details: `${command} ${args.join(' ')}\n${tailLines(result.output, 25)}`,
    })
  }
}

/** Runs the steps, `jobs` at a time; the first failure wins (the rest still finish, then it is thrown). */
async function runAll(steps: readonly (readonly [string, readonly string[]])[], jobs: number): Promise<void> {
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (next < steps.length && failure === undefined) {
      const [command, args] = steps[next++]!
      try {
        await runStep(command, args)
      } catch (error) {
        failure ??= error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, steps.length) }, worker))
  if (failure !== undefined) throw failure
}
