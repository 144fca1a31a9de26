import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, verifyArtifacts, writeManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { GlassboxError, SetupError } from '../errors.js'
import { uninterruptible } from '../io/uninterruptible.js'
import type { Logger } from '../logger.js'
import { exportKeyArtifacts } from './exportKeyArtifacts.js'
import { readZkeyContributions } from './readZkeyContributions.js'
import type { ZkeyContribution } from './readZkeyContributions.js'
import { setupTranscript } from './setupTranscript.js'
import { verifySetupTranscript } from './verifySetupTranscript.js'

export type AdvanceKeyParameters = {
  buildDir: string
  /** What is done, for messages ("contribution", "beacon"). */
  step: string
  /** Writes the next key from `from` to `to` (snarkjs's contribute or beacon). */
  write: (from: string, to: string) => Promise<void>
  logger: Logger
}

export type AdvanceKeyReturnType = {
  manifest: Manifest
  /** The contribution just added. */
  contribution: ZkeyContribution
}

/**
 * One phase-2 step on a build's key: checks the key and its transcript
 * against the manifest, writes the next key beside it, re-exports the
 * verification key and the Solidity verifier from it, then swaps the files in
 * and records their hashes and the new transcript in the manifest. Until the
 * swap the build folder is untouched, so a killed step leaves the old key.
 * One step at a time per folder (a lock): two contributions started from the
 * same key would otherwise lose one of them. The swap itself (three renames and
 * the manifest) runs uninterruptibly, with the hashes computed beforehand.
 *
 * @throws {SetupError} when another step is running on the folder, the key or its transcript do not check, or the step fails.
 */
export async function advanceKey(parameters: AdvanceKeyParameters): Promise<AdvanceKeyReturnType> {
  const release = await lockCeremony(parameters.buildDir)
  try {
    return await advanceLockedKey(parameters)
  } finally {
    await release()
  }
}

async function advanceLockedKey({ buildDir, step, write, logger }: AdvanceKeyParameters): Promise<AdvanceKeyReturnType> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  if (!manifest.setup) throw new SetupError(`${buildDir} has no keys yet.`, { details: `Run \`glassbox setup ${buildDir}\` first.` })
  await verifyArtifacts(buildDir, manifest, ['zkey', 'verificationKey', 'verifier'])
  await verifySetupTranscript({ buildDir, manifest })
  const before = (await readZkeyContributions(paths.zkey)).contributions.length

  const next = `${paths.zkey}.next-${process.pid}`
  const staged = { verificationKey: `${paths.verificationKey}.next-${process.pid}`, verifier: `${paths.verifier}.next-${process.pid}` }
  try {
    logger.info(`adding a ${step} to ${paths.zkey}…`)
    try {
      await write(paths.zkey, next)
    } catch (cause) {
      if (cause instanceof GlassboxError) throw cause
      throw new SetupError(`The ${step} to ${paths.zkey} failed.`, { details: 'The key is unchanged. Check free disk space, then run the command again.', cause })
    }
    const key = await readZkeyContributions(next)
    if (key.contributions.length !== before + 1) throw new SetupError(`The ${step} did not add a contribution to ${paths.zkey}.`, { details: 'The key is unchanged; run with --verbose to see what snarkjs reported.' })
    await exportKeyArtifacts({ zkeyPath: next, verificationKeyPath: staged.verificationKey, verifierPath: staged.verifier, modelName: manifest.name, logger })
    let updated: Manifest = { ...manifest, setup: { ...manifest.setup, ...setupTranscript(key) } }
    const [zkey, verificationKey, verifier] = await Promise.all([next, staged.verificationKey, staged.verifier].map((f) => sha256File(f)))
    updated = { ...updated, artifacts: { ...updated.artifacts, zkey: zkey!, verificationKey: verificationKey!, verifier: verifier! } }
    await uninterruptible(async () => {
      await rename(next, paths.zkey)
      await rename(staged.verificationKey, paths.verificationKey)
      await rename(staged.verifier, paths.verifier)
      await writeManifest(buildDir, updated)
    })
    return { manifest: updated, contribution: key.contributions.at(-1)! }
  } finally {
    await Promise.all([next, staged.verificationKey, staged.verifier].map((f) => rm(f, { force: true })))
  }
}

/**
 * An exclusive lock on a build folder's ceremony (a folder holding the owner's
 * PID, so a lock left by a killed process is taken over, not waited on forever).
 */
async function lockCeremony(buildDir: string): Promise<() => Promise<void>> {
  const lock = join(buildDir, 'ceremony.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await mkdir(lock)
      await writeFile(join(lock, 'pid'), `${process.pid}\n`)
      return () => rm(lock, { recursive: true, force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number((await readFile(join(lock, 'pid'), 'utf8').catch(() => '')).trim())
      // A lock made a moment ago may not have its PID written yet: that owner is alive too.
      const justMade = !owner && Date.now() - ((await stat(lock).catch(() => undefined))?.mtimeMs ?? 0) < 10_000
      if ((owner && isAlive(owner)) || justMade) {
        throw new SetupError(`Another ceremony step (process ${owner || 'starting'}) is running on ${buildDir}.`, {
          details: 'Wait for it to finish, then run this command again: each contribution builds on the key the previous one wrote.',
        })
      }
      await rm(lock, { recursive: true, force: true })
    }
  }
  throw new SetupError(`Cannot lock ${lock}.`, { details: 'Remove the folder if no glassbox process is running on this build, then run the command again.' })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
