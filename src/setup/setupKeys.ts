import { randomBytes } from 'node:crypto'
import { rename, rm } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, recordArtifacts, verifyArtifacts, writeManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { readR1csHeader } from '../compile/readR1csHeader.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger, startTask } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'
import { GLASSBOX_VERSION } from '../version.js'
import { devPtauPower } from './devPtauPower.js'
import { ensureDevPtau } from './ensureDevPtau.js'
import { exportKeyArtifacts } from './exportKeyArtifacts.js'
import { readPtauHeader } from './readPtauHeader.js'
import { readZkeyContributions } from './readZkeyContributions.js'
import { requiredPower } from './requiredPower.js'
import { setupTranscript } from './setupTranscript.js'

export type SetupKeysParameters = {
  /** A build folder made by `compileModel`. */
  buildDir: string
  /** A prepared ceremony `.ptau` to import (verified before use). Without it, a dev ptau is used. */
  ptauPath?: string
  /** Where dev ptau files are cached by power. */
  keysDir?: string
  /** Replace a key that already has ceremony contributions (they are lost). */
  force?: boolean
  logger?: Logger
}

export type SetupKeysReturnType = { manifest: Manifest; power: number; insecure: boolean }

/**
 * Groth16 setup of a compiled model: proving key (with one contribution of
 * fresh randomness), verification key and Solidity verifier, all hashed into
 * the manifest.
 *
 * @throws {SetupError} when the ptau is too small, unprepared or fails verification, or the key has ceremony contributions and `force` is not set.
 * @throws {ArtifactError} when the circuit does not match the manifest.
 */
export async function setupKeys({ buildDir, ptauPath, keysDir = 'keys', force = false, logger = silentLogger }: SetupKeysParameters): Promise<SetupKeysReturnType> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  const previous = manifest.setup?.contributions?.length ?? 0
  if (previous > 1 && !force) {
    throw new SetupError(`${buildDir} has a key with ${previous} ceremony contributions; a new setup would discard them.`, {
      details: `Keep the key (continue with \`glassbox setup contribute ${buildDir}\`), or pass --force to start the ceremony again from a new key.`,
    })
  }
  await verifyArtifacts(buildDir, manifest, ['r1cs'])
  const power = requiredPower(await readR1csHeader(paths.r1cs))
  const snarkLogger = snarkjsLogger(logger)

  let ptau: { path: string; power: number; sha256: string; source: 'dev' | 'imported'; insecure: boolean }
  if (ptauPath) {
    const header = await readPtauHeader(ptauPath)
    if (header.power < power) {
      throw new SetupError(`${ptauPath} has power ${header.power}, but this circuit needs ${power}.`, {
        details: `Use a ceremony file of power ${power} or more.`,
      })
    }
    if (!header.sections.includes(12)) {
      throw new SetupError(`${ptauPath} is not prepared for phase 2.`, { details: `Run \`snarkjs powersoftau prepare phase2 ${ptauPath} prepared.ptau\` and pass the result.` })
    }
    // snarkjs powersoftau verify: every contribution's proofs, the powers in each section, and the
    // phase-2 (Lagrange) sections recomputed from them. Minutes for a 2^20 ceremony file.
    const verifying = startTask(logger, `verifying ${ptauPath} (snarkjs powersoftau verify, every contribution and the phase-2 sections)`)
    const refused = 'The file is corrupt or was tampered with; obtain it again from the ceremony (and check its published hash).'
    let verified: boolean
    try {
      verified = await snarkjs.powersOfTau.verify(ptauPath, snarkLogger)
    } catch (cause) {
      throw new SetupError(`${ptauPath} failed verification.`, { details: refused, cause })
    } finally {
      verifying.end()
    }
    if (!verified) throw new SetupError(`${ptauPath} failed verification.`, { details: refused })
    ptau = { path: ptauPath, power: header.power, sha256: await sha256File(ptauPath), source: 'imported', insecure: false }
  } else {
    // Native dev keys need one power more above 2^14 (to match snarkjs's circuit hash, see devPtauPower).
    const native = loadNativeAddon({ logger }) !== undefined
    const dev = await ensureDevPtau({ power: native ? devPtauPower(power) : power, keysDir, logger })
    logger.warn(`using a DEV powers of tau (power ${dev.power}, generated locally): INSECURE, for development only. Pass --ptau with a ceremony file for production.`)
    ptau = { ...dev, source: 'dev' }
  }

  const initial = `${paths.zkey}.0`
  const staged = `${paths.zkey}.next-${process.pid}`
  try {
    // Dev keys natively (zkey new + one contribution in one pass, minutes faster at 2^16 and up, with
    // snarkjs's circuit hash so `snarkjs zkey verify` accepts them); keys from a ceremony ptau stay snarkjs's.
    const addon = ptau.source === 'dev' ? loadNativeAddon({ logger }) : undefined
    const keying = startTask(logger, `Groth16 key for 2^${power} (${addon ? 'native' : 'snarkjs'})`)
    // Written beside the key and renamed over it: a failed setup leaves the previous key whole.
    if (addon) {
      await addon.writeDevZkey(paths.r1cs, ptau.path, ptau.sha256, staged, availableParallelism())
    } else {
      await snarkjs.zKey.newZKey(paths.r1cs, ptau.path, initial, snarkLogger)
      await snarkjs.zKey.contribute(initial, staged, `glassbox ${GLASSBOX_VERSION}`, randomBytes(32).toString('hex'), snarkLogger)
    }
    keying.end()
    await rename(staged, paths.zkey)
  } catch (cause) {
    throw new SetupError('Groth16 key generation failed.', { details: `Circuit ${paths.r1cs}, ptau ${ptau.path}.`, cause })
  } finally {
    await Promise.all([rm(initial, { force: true }), rm(staged, { force: true })])
  }
  await exportKeyArtifacts({ zkeyPath: paths.zkey, verificationKeyPath: paths.verificationKey, verifierPath: paths.verifier, modelName: manifest.name, logger })
  if (previous > 1) logger.warn(`replaced a key with ${previous} contributions: the ceremony of ${buildDir} starts again from this setup's single contribution.`)

  let updated: Manifest = {
    ...manifest,
    setup: {
      ptau: { power: ptau.power, sha256: ptau.sha256, source: ptau.source, insecure: ptau.insecure, file: resolve(ptau.path) },
      createdAt: new Date().toISOString(),
      ...setupTranscript(await readZkeyContributions(paths.zkey)),
    },
  }
  updated = await recordArtifacts(buildDir, updated, ['zkey', 'verificationKey', 'verifier'])
  await writeManifest(buildDir, updated)
  return { manifest: updated, power, insecure: ptau.insecure }
}
