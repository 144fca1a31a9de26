import { rename, rm } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, recordArtifacts, verifyArtifacts, writeManifest } from '../artifacts/manifest.js'
import { SetupError } from '../errors.js'
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
 */
export async function advanceKey({ buildDir, step, write, logger }: AdvanceKeyParameters): Promise<AdvanceKeyReturnType> {
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
      throw new SetupError(`The ${step} to ${paths.zkey} failed.`, { details: 'The key is unchanged. Check free disk space, then run the command again.', cause })
    }
    const key = await readZkeyContributions(next)
    if (key.contributions.length !== before + 1) throw new SetupError(`The ${step} did not add a contribution to ${paths.zkey}.`, { details: 'The key is unchanged; run with --verbose to see what snarkjs reported.' })
    await exportKeyArtifacts({ zkeyPath: next, verificationKeyPath: staged.verificationKey, verifierPath: staged.verifier, modelName: manifest.name, logger })
    await rename(next, paths.zkey)
    await rename(staged.verificationKey, paths.verificationKey)
    await rename(staged.verifier, paths.verifier)
    let updated: Manifest = { ...manifest, setup: { ...manifest.setup, ...setupTranscript(key) } }
    updated = await recordArtifacts(buildDir, updated, ['zkey', 'verificationKey', 'verifier'])
    await writeManifest(buildDir, updated)
    return { manifest: updated, contribution: key.contributions.at(-1)! }
  } finally {
    await Promise.all([next, staged.verificationKey, staged.verifier].map((f) => rm(f, { force: true })))
  }
}
