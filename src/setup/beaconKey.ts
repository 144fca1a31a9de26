import * as snarkjs from 'snarkjs'
import type { Manifest } from '../artifacts/manifest.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'
import { advanceKey } from './advanceKey.js'
import type { ZkeyContribution } from './readZkeyContributions.js'

export type BeaconKeyParameters = {
  buildDir: string
  /**
   * The beacon: public randomness nobody could predict or choose when the
   * ceremony's last contribution was made (e.g. a future block hash), as hex.
   */
  beacon: string
  /** The iteration exponent: the beacon is hashed 2^iterationsExp times (10 to 63; snarkjs's `numIterationsExp`). */
  iterationsExp: number
  /** The name recorded for the beacon step, by default "beacon". */
  name?: string
  logger?: Logger
}

export type BeaconKeyReturnType = { manifest: Manifest; contribution: ZkeyContribution }

/**
 * Finishes a ceremony with a random beacon (snarkjs `zkey beacon`): a
 * contribution anyone can recompute from the beacon, so that the last
 * contributor could not choose the final key. Re-exports the verification
 * key and the verifier and records the step in the manifest.
 *
 * @throws {SetupError} for a beacon that is not hex or an exponent outside 10–63.
 * @example
 * await beaconKey({ buildDir: 'build/iris', beacon: '0x5f2c…', iterationsExp: 10 })
 */
export async function beaconKey({ buildDir, beacon, iterationsExp, name = 'beacon', logger = silentLogger }: BeaconKeyParameters): Promise<BeaconKeyReturnType> {
  const hex = beacon.replace(/^0x/i, '')
  if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length > 510) {
    throw new SetupError(`The beacon "${beacon}" is not 1 to 255 bytes of hex.`, { details: 'Pass the beacon as hex digits, e.g. a block hash: --beacon 0x5f2c…' })
  }
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw new SetupError(`--iterations must be an integer from 10 to 63, not ${iterationsExp}.`, { details: 'The beacon is hashed 2^N times; 10 is quick, 30 and more take minutes to hours (a delay nobody can shortcut).' })
  }
  if (Buffer.byteLength(name, 'utf8') > 64) throw new SetupError(`The beacon name "${name.slice(0, 20)}…" is longer than 64 bytes.`)
  return advanceKey({
    buildDir,
    step: 'beacon',
    logger,
    write: async (from, to) => {
      const hash = await snarkjs.zKey.beacon(from, to, name, hex.toLowerCase(), iterationsExp, snarkjsLogger(logger))
      if (hash === false) throw new SetupError('snarkjs refused the beacon.', { details: 'Run with --verbose to see its message.' })
    },
  })
}
