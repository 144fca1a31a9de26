import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { sha256File } from '../artifacts/sha256File.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger, startTask } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'

export type DevPtau = {
  path: string
  power: number
  sha256: string
  /** Always true: glassbox chose τ itself, so anyone with this machine's memory could forge proofs. */
  insecure: true
}

export type EnsureDevPtauParameters = {
  /** The power the circuit needs (2^power ≥ constraints + public signals + 1). */
  power: number
  /** Cache folder, by default `keys/` of the project. */
  keysDir: string
  logger?: Logger
  /**
   * `native` (the default when the addon is built) computes every section
   * directly from τ, in seconds; `snarkjs` runs new accumulator, contribution
   * and prepare-phase-2 (about a minute at 2^11, hours at 2^18).
   */
  generator?: 'native' | 'snarkjs'
}

/**
 * Returns a locally generated, phase-2-prepared powers of tau of at least
 * `power`, from the cache when one exists (a larger one serves smaller
 * circuits) or generated now and cached by power. FOR DEVELOPMENT ONLY: one
 * party (this machine) knew τ.
 */
export async function ensureDevPtau({ power, keysDir, logger = silentLogger, generator }: EnsureDevPtauParameters): Promise<DevPtau> {
  if (!Number.isInteger(power) || power < 1 || power > 28) throw new SetupError(`Cannot make a powers of tau of power ${power}.`)
  const dir = join(keysDir, 'ptau')
  await mkdir(dir, { recursive: true })
  const cached = await findCached(dir, power)
  if (cached) {
    logger.debug(`using cached dev ptau ${cached.path}`)
    return cached
  }
  const path = join(dir, `dev-${String(power).padStart(2, '0')}.ptau`)
  // Another process (a parallel test, a second terminal) may be generating the same file.
  const release = await acquireLock(`${path}.lock`, logger)
  try {
    const again = await findCached(dir, power)
    if (again) return again
    return await generate(path, power, dir, logger, generator)
  } finally {
    await release()
  }
}

async function generate(path: string, power: number, dir: string, logger: Logger, generator?: 'native' | 'snarkjs'): Promise<DevPtau> {
  const work = `${path}.work-${process.pid}`
  await mkdir(work, { recursive: true })
  const snarkLogger = snarkjsLogger(logger)
  const addon = generator === 'snarkjs' ? undefined : loadNativeAddon({ logger })
  try {
    logger.info(`generating a dev powers of tau of power ${power} (INSECURE, for development; cached in ${dir})`)
    const task = startTask(logger, `powers of tau 2^${power} (${addon ? 'native' : 'snarkjs'})`)
    if (addon) {
      // The file the snarkjs steps would make (one contribution, phase-2 sections), computed from τ directly.
      await addon.writeDevPtau(join(work, 'final.ptau'), power, availableParallelism())
    } else {
      await generateWithSnarkjs(work, power, snarkLogger, logger)
    }
    task.end()
    await rename(join(work, 'final.ptau'), path)
  } catch (cause) {
    throw new SetupError(`Generating the dev powers of tau (power ${power}) failed.`, { details: 'Check free disk space and memory in the keys folder.', cause })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  const sha256 = await sha256File(path)
  await writeFile(`${path}.json`, `${JSON.stringify({ power, sha256, insecure: true, note: 'Generated locally by glassbox: development only, never for production.' }, null, 2)}\n`)
  return { path, power, sha256, insecure: true }
}

/** The portable path: new accumulator, one contribution, prepare phase 2 (writes work/final.ptau). */
async function generateWithSnarkjs(work: string, power: number, snarkLogger: ReturnType<typeof snarkjsLogger>, logger: Logger): Promise<void> {
  const curve = await snarkjs.curves.getCurveFromName('bn128')
  await snarkjs.powersOfTau.newAccumulator(curve, power, join(work, '0.ptau'), snarkLogger)
  await snarkjs.powersOfTau.contribute(join(work, '0.ptau'), join(work, '1.ptau'), 'glassbox dev', randomBytes(32).toString('hex'), snarkLogger)
  logger.info('preparing phase 2 (the slow step)…')
  await snarkjs.powersOfTau.preparePhase2(join(work, '1.ptau'), join(work, 'final.ptau'), snarkLogger)
}

const LOCK_STALE_MS = 60 * 60 * 1000

async function acquireLock(lock: string, logger: Logger): Promise<() => Promise<void>> {
  let announced = false
  for (;;) {
    try {
      await mkdir(lock)
      return () => rm(lock, { recursive: true, force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const age = Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now())
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true })
      if (!announced) logger.info(`waiting for another process generating ${lock.replace(/\.lock$/, '')}…`)
      announced = true
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }
}

async function findCached(dir: string, power: number): Promise<DevPtau | undefined> {
  const candidates: DevPtau[] = []
  for (const file of await readdir(dir)) {
    const match = /^dev-(\d+)\.ptau\.json$/.exec(file)
    if (!match || Number(match[1]) < power) continue
    try {
      const meta = JSON.parse(await readFile(join(dir, file), 'utf8')) as { power: number; sha256: string }
      const path = join(dir, file.replace(/\.json$/, ''))
      if ((await sha256File(path)) === meta.sha256) candidates.push({ path, power: meta.power, sha256: meta.sha256, insecure: true })
    } catch {
      // A stale or half-written cache entry is simply not used.
    }
  }
  candidates.sort((a, b) => a.power - b.power)
  return candidates[0]
}
