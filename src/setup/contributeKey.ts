import { randomBytes } from 'node:crypto'
import * as snarkjs from 'snarkjs'
import type { Manifest } from '../artifacts/manifest.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'
import { advanceKey } from './advanceKey.js'
import type { ZkeyContribution } from './readZkeyContributions.js'

export type ContributeKeyParameters = {
  /** A build folder with keys (`setupKeys`). */
  buildDir: string
  /** The contributor's name, recorded in the key and the manifest (at most 64 bytes). */
  name?: string
  /**
   * Extra entropy mixed in with the OS's (e.g. from dice or a hardware RNG).
   * Never replaces it: the contribution always draws 32 bytes from the OS, and
   * snarkjs adds 64 of its own. Never logged.
   */
  extraEntropy?: string
  logger?: Logger
}

export type ContributeKeyReturnType = { manifest: Manifest; contribution: ZkeyContribution }

/**
 * Adds a phase-2 contribution (snarkjs `zkey contribute`) to a build's key
 * with fresh randomness from the OS, then re-exports the verification key
 * and the verifier and records the contribution in the manifest. The key is
 * sound if any one contributor destroyed their randomness: this process
 * holds it only in memory and never prints it.
 *
 * @throws {SetupError} when the key or its transcript does not match the manifest, or the name is too long.
 * @example
 * const { contribution } = await contributeKey({ buildDir: 'build/iris', name: 'alice' })
 * console.log(contribution.hash) // record it: the next participant and the verifier check it
 */
export async function contributeKey({ buildDir, name = '', extraEntropy = '', logger = silentLogger }: ContributeKeyParameters): Promise<ContributeKeyReturnType> {
  if (Buffer.byteLength(name, 'utf8') > 64) throw new SetupError(`The contributor name "${name.slice(0, 20)}…" is longer than 64 bytes.`, { details: 'snarkjs stores at most 64; pass a shorter --name.' })
  return advanceKey({
    buildDir,
    step: 'contribution',
    logger,
    write: async (from, to) => {
      const entropy = randomBytes(32).toString('hex') + extraEntropy
      await snarkjs.zKey.contribute(from, to, name, entropy, snarkjsLogger(logger))
    },
  })
}
