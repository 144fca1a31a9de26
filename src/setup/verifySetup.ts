import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { CheckFailedError, SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { snarkjsLogger } from '../snark/snarkjsLogger.js'
import type { ZkeyContribution } from './readZkeyContributions.js'
import { readZkeyContributions } from './readZkeyContributions.js'
import { verifySetupTranscript } from './verifySetupTranscript.js'

export type VerifySetupParameters = {
  buildDir: string
  /** The ptau the key was made from; by default the file recorded at setup, or the dev ptau in `keysDir` with the recorded SHA-256. */
  ptauPath?: string
  /** Where dev ptau files are cached (`glassbox setup --keys`). */
  keysDir?: string
  logger?: Logger
}

export type VerifySetupReturnType = {
  ptau: string
  circuitHash: string
  contributions: ZkeyContribution[]
  transcriptSha256: string
  /** True when the ptau is a local dev one (one party knew τ: development only). */
  insecure: boolean
}

/**
 * Verifies a build's whole key chain with snarkjs's `zkey verify`: the key
 * is the circuit's (its circuit hash and every point recomputed from the
 * r1cs and the ptau), each contribution's proof of knowledge and the chain of
 * δ from the first to the last, and beacons recomputed. Then checks the
 * manifest's transcript is the key's, and that verification_key.json and
 * Verifier.sol are the ones the key exports.
 *
 * @throws {CheckFailedError} when snarkjs rejects the key or an exported artifact is not the key's.
 * @throws {SetupError} when the ptau cannot be found or is not the recorded one, or the transcript does not match.
 * @example
 * const { contributions, transcriptSha256 } = await verifySetup({ buildDir: 'build/iris', ptauPath: 'powersOfTau28_hez_final_17.ptau' })
 */
export async function verifySetup({ buildDir, ptauPath, keysDir = 'keys', logger = silentLogger }: VerifySetupParameters): Promise<VerifySetupReturnType> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  if (!manifest.setup) throw new SetupError(`${buildDir} has no keys yet.`, { details: `Run \`glassbox setup ${buildDir}\` first.` })
  await verifyArtifacts(buildDir, manifest, ['r1cs', 'zkey', 'verificationKey', 'verifier'])
  const ptau = await findPtau(manifest.setup.ptau, ptauPath, keysDir)
  const transcript = await verifySetupTranscript({ buildDir, manifest, logger })

  logger.info(`verifying ${paths.zkey} against ${paths.r1cs} and ${ptau} (snarkjs zkey verify)…`)
  // snarkjs reports some failures with console.log (stdout, where --json prints its one document) and
  // the rest through the logger: both are collected, so the error says why and stdout stays clean.
  const problems: string[] = []
  const snarkLogger = snarkjsLogger(logger)
  const rejected = (why: string, cause?: unknown) =>
    new CheckFailedError(`snarkjs zkey verify rejects the key of ${buildDir}${why ? `: ${why}` : ''}.`, {
      details: `The key was not made from this circuit and ptau, or a contribution is invalid. Rerun \`glassbox setup ${buildDir}\` and the ceremony.`,
      cause,
    })
  const consoleLog = console.log
  console.log = (...parts: unknown[]) => void problems.push(parts.map(String).join(' '))
  let ok: boolean
  try {
    ok = await snarkjs.zKey.verifyFromR1cs(paths.r1cs, ptau, paths.zkey, {
      ...snarkLogger,
      error: (message: string) => {
        problems.push(message)
        snarkLogger.error(message)
      },
    })
  } catch (cause) {
    throw rejected(problems.join('; ') || 'the key cannot be read', cause)
  } finally {
    console.log = consoleLog
  }
  if (!ok) throw rejected(problems.join('; '))
  let exported: unknown
  try {
    exported = await snarkjs.zKey.exportVerificationKey(paths.zkey, snarkLogger)
  } catch (cause) {
    throw rejected('its verification key cannot be exported', cause)
  }
  const onDisk = JSON.parse(await readFile(paths.verificationKey, 'utf8')) as unknown
  if (JSON.stringify(exported) !== JSON.stringify(onDisk)) {
    throw new CheckFailedError(`${paths.verificationKey} is not the verification key of ${paths.zkey}.`, { details: `Rerun the last ceremony step, or \`glassbox setup ${buildDir}\`.` })
  }
  const key = await readZkeyContributions(paths.zkey)
  return { ptau, circuitHash: key.circuitHash, contributions: key.contributions, transcriptSha256: transcript.transcriptSha256, insecure: manifest.setup.ptau.insecure }
}

type RecordedPtau = NonNullable<Awaited<ReturnType<typeof readManifest>>['setup']>['ptau']

async function findPtau(recorded: RecordedPtau, given: string | undefined, keysDir: string): Promise<string> {
  const matches = async (path: string) => (await sha256File(path).catch(() => undefined)) === recorded.sha256
  if (given) {
    if (await matches(given)) return given
    throw new SetupError(`${given} is not the powers of tau this key was made from.`, { details: `The manifest records SHA-256 ${recorded.sha256} (power ${recorded.power}).` })
  }
  if (recorded.file && (await matches(recorded.file))) return recorded.file
  if (recorded.source === 'dev') {
    const dir = join(keysDir, 'ptau')
    for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => /^dev-\d+\.ptau$/.test(f))) {
      if (await matches(join(dir, file))) return join(dir, file)
    }
  }
  throw new SetupError('Cannot find the powers of tau this key was made from.', {
    details: `Pass it with --ptau (SHA-256 ${recorded.sha256}, power ${recorded.power}${recorded.file ? `, set up from ${recorded.file}` : ''}).`,
  })
}
