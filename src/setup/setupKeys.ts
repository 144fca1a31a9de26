import { randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../artifacts/buildPaths.js'
import { nameVerifierContract, verifierAbi, verifierAbiPath } from '../chain/nameVerifierContract.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, recordArtifacts, verifyArtifacts, writeManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { readR1csHeader } from '../compile/readR1csHeader.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'
import { GLASSBOX_VERSION } from '../version.js'
import { ensureDevPtau } from './ensureDevPtau.js'
import { readPtauHeader } from './readPtauHeader.js'
import { requiredPower } from './requiredPower.js'

const require = createRequire(import.meta.url)

export type SetupKeysParameters = {
  /** A build folder made by `compileModel`. */
  buildDir: string
  /** A prepared ceremony `.ptau` to import (verified before use). Without it, a dev ptau is used. */
  ptauPath?: string
  /** Where dev ptau files are cached by power. */
  keysDir?: string
  logger?: Logger
}

export type SetupKeysReturnType = { manifest: Manifest; power: number; insecure: boolean }

/**
 * Groth16 setup of a compiled model: proving key (with one contribution of
 * fresh randomness), verification key and Solidity verifier, all hashed into
 * the manifest.
 *
 * @throws {SetupError} when the ptau is too small, unprepared or fails verification.
 * @throws {ArtifactError} when the circuit does not match the manifest.
 */
export async function setupKeys({ buildDir, ptauPath, keysDir = 'keys', logger = silentLogger }: SetupKeysParameters): Promise<SetupKeysReturnType> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
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
    logger.info(`verifying ${ptauPath}…`)
    if (!(await snarkjs.powersOfTau.verify(ptauPath, snarkLogger))) {
      throw new SetupError(`${ptauPath} failed verification.`, { details: 'The file is corrupt or was tampered with; obtain it again from the ceremony.' })
    }
    ptau = { path: ptauPath, power: header.power, sha256: await sha256File(ptauPath), source: 'imported', insecure: false }
  } else {
    const dev = await ensureDevPtau({ power, keysDir, logger })
    logger.warn(`using a DEV powers of tau (power ${dev.power}, generated locally): INSECURE, for development only. Pass --ptau with a ceremony file for production.`)
    ptau = { ...dev, source: 'dev' }
  }

  const initial = `${paths.zkey}.0`
  try {
    logger.info(`Groth16 setup (circuit needs 2^${power})…`)
    // Dev keys natively (zkey new + one contribution in one pass, minutes faster at 2^16 and up);
    // keys from a ceremony ptau stay snarkjs's, whose circuit hash `snarkjs zkey verify` checks.
    const addon = ptau.source === 'dev' ? loadNativeAddon({ logger }) : undefined
    if (addon) {
      await addon.writeDevZkey(paths.r1cs, ptau.path, ptau.sha256, paths.zkey, availableParallelism())
    } else {
      await snarkjs.zKey.newZKey(paths.r1cs, ptau.path, initial, snarkLogger)
      await snarkjs.zKey.contribute(initial, paths.zkey, `glassbox ${GLASSBOX_VERSION}`, randomBytes(32).toString('hex'), snarkLogger)
    }
  } catch (cause) {
    throw new SetupError('Groth16 key generation failed.', { details: `Circuit ${paths.r1cs}, ptau ${ptau.path}.`, cause })
  } finally {
    await rm(initial, { force: true })
  }
  const verificationKey = await snarkjs.zKey.exportVerificationKey(paths.zkey, snarkLogger)
  await writeFile(paths.verificationKey, `${JSON.stringify(verificationKey, null, 2)}\n`)
  // snarkjs does not export its package.json; its CommonJS entry is build/main.cjs.
  const template = await readFile(join(dirname(require.resolve('snarkjs')), '..', 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
  const verifier = await snarkjs.zKey.exportSolidityVerifier(paths.zkey, { groth16: template }, snarkLogger)
  const header = `// Generated by snarkjs for glassbox model "${manifest.name}" (glassbox ${GLASSBOX_VERSION}). Do not edit: rerun \`glassbox setup\`.\n`
  // Named per model, so several models' verifiers fit in one Foundry/Hardhat project; the ABI beside it.
  await writeFile(paths.verifier, header + nameVerifierContract(verifier, manifest.name).source)
  await writeFile(verifierAbiPath(buildDir), `${JSON.stringify(verifierAbi(manifest.publicSignals.length), null, 2)}\n`)

  let updated: Manifest = {
    ...manifest,
    setup: { ptau: { power: ptau.power, sha256: ptau.sha256, source: ptau.source, insecure: ptau.insecure }, createdAt: new Date().toISOString() },
  }
  updated = await recordArtifacts(buildDir, updated, ['zkey', 'verificationKey', 'verifier'])
  await writeManifest(buildDir, updated)
  return { manifest: updated, power, insecure: ptau.insecure }
}
