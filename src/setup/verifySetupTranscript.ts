import { readFile, stat } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import { readZkeyContributions } from './readZkeyContributions.js'
import type { G1Point, G2Point, ZkeyVerificationPoints } from './readZkeyContributions.js'
import { setupTranscript } from './setupTranscript.js'
import { singleContributionWarning } from './singleContributionWarning.js'

export type VerifySetupTranscriptParameters = {
  buildDir: string
  /** The build's manifest, when the caller has read it already. */
  manifest?: Manifest
  /** Receives the single-contribution warning. */
  logger?: Logger
  /** `snarkjs` does the pairing and key export with snarkjs even when the native addon is there (default `auto`). */
  backend?: 'auto' | 'snarkjs'
}

export type VerifySetupTranscriptReturnType = {
  /** How many contributions the key has (1: only setup's, the model owner could forge proofs). */
  contributions: number
  transcriptSha256: string
}

/** The part of ffjavascript's curve this check uses. */
type PairingCurve = {
  G1: { g: Uint8Array; fromObject(p: bigint[]): Uint8Array; neg(p: Uint8Array): Uint8Array }
  G2: { g: Uint8Array; fromObject(p: bigint[][]): Uint8Array }
  pairingEq(...points: Uint8Array[]): boolean | Promise<boolean>
  terminate(): Promise<void>
}

/**
 * Checks that the setup transcript in the manifest is the one in the proving
 * key and that the verification key is that key's: the same contributions
 * (name, hash, type, beacon) in the same order, the same `transcriptSha256`,
 * and the verification key's δ the one the last contribution produced (a
 * pairing check, so a transcript copied from another key does not pass).
 * Cheap: it reads the zkey's header and contribution section only; the full
 * check of every point against the r1cs and the ptau is `verifySetup`.
 *
 * @throws {SetupError} when the transcript is missing, altered, or not the key's, or circuit.zkey is missing.
 * @throws {ArtifactError} when verification_key.json is missing or does not match the manifest.
 * @example
 * const { contributions } = await verifySetupTranscript({ buildDir: 'build/iris', logger })
 */
export async function verifySetupTranscript({ buildDir, manifest, logger = silentLogger, backend = 'auto' }: VerifySetupTranscriptParameters): Promise<VerifySetupTranscriptReturnType> {
  const paths = buildPaths(buildDir)
  const m = manifest ?? (await readManifest(buildDir))
  const redo = `Rerun \`glassbox setup ${buildDir}\` (then the ceremony: \`glassbox setup contribute\`, \`glassbox setup beacon\`) and prove again; proofs from a key whose transcript cannot be checked are not accepted.`
  const recorded = m.setup
  if (!recorded?.contributions || !recorded.transcriptSha256) {
    throw new SetupError(`The manifest of ${buildDir} records no setup transcript.`, {
      details: `Its key's contributions cannot be checked (it was set up before glassbox recorded transcripts, or the manifest was edited). ${redo}`,
    })
  }
  await verifyArtifacts(buildDir, m, ['verificationKey'])
  if (!(await stat(paths.zkey).catch(() => undefined))) {
    throw new SetupError(`${paths.zkey} is missing: the setup transcript cannot be checked against the key.`, {
      details: 'Verifying compares the contributions in the manifest with those in the proving key; copy the whole build folder, circuit.zkey included.',
    })
  }
  const key = await readZkeyContributions(paths.zkey)
  const actual = setupTranscript(key)
  const expected = setupTranscript({ circuitHash: recorded.circuitHash ?? key.circuitHash, contributions: recorded.contributions })
  if (expected.transcriptSha256 !== recorded.transcriptSha256) {
    throw new SetupError(`The setup transcript in the manifest of ${buildDir} is altered: its transcriptSha256 is not the hash of its contributions.`, { details: redo })
  }
  const differs = transcriptDifference(expected, actual)
  if (differs) throw new SetupError(`The setup transcript in the manifest of ${buildDir} is not the proving key's: ${differs}.`, { details: redo })

  let onDisk: unknown
  let vkDelta: unknown
  try {
    onDisk = JSON.parse(await readFile(paths.verificationKey, 'utf8'))
    vkDelta = (onDisk as { vk_delta_2?: unknown }).vk_delta_2
  } catch (cause) {
    throw new SetupError(`${paths.verificationKey} is not valid JSON.`, { details: redo, cause })
  }
  if (!isG2Json(vkDelta) || !sameG2(vkDelta, key.delta.g2) || !sameG1(key.delta.g1, key.lastDeltaAfter) || !(await sameDelta(key.lastDeltaAfter, key.delta.g2, backend)) || !(await isKeysVerificationKey(paths.zkey, key.verificationKey, onDisk, backend))) {
    throw new SetupError(`The verification key of ${buildDir} is not the one its transcript's last contribution produced.`, {
      details: `${paths.verificationKey} and ${paths.zkey} do not belong together, or the key's contribution section was replaced. ${redo}`,
    })
  }
  const warning = singleContributionWarning(m)
  if (warning) logger.warn(warning)
  return { contributions: actual.contributions.length, transcriptSha256: actual.transcriptSha256 }
}

/** What differs between two transcripts, in words, or undefined. Pure. */
function transcriptDifference(expected: ReturnType<typeof setupTranscript>, actual: ReturnType<typeof setupTranscript>): string | undefined {
  if (expected.circuitHash !== actual.circuitHash) return 'its circuit hash differs'
  if (expected.contributions.length !== actual.contributions.length) {
    return `it lists ${expected.contributions.length} contribution(s), the key has ${actual.contributions.length}`
  }
  for (const [i, e] of expected.contributions.entries()) {
    const a = actual.contributions[i]!
    if (e.hash !== a.hash) return `contribution #${i + 1} has hash ${e.hash.slice(0, 16)}… in the manifest, ${a.hash.slice(0, 16)}… in the key`
    if (e.name !== a.name || e.type !== a.type) return `contribution #${i + 1} is "${e.name}" (${e.type}) in the manifest, "${a.name}" (${a.type}) in the key`
    if (JSON.stringify(e.beacon) !== JSON.stringify(a.beacon)) return `contribution #${i + 1}'s beacon differs`
  }
  return undefined
}

/**
 * The whole verification key (α, β, γ, δ, every IC point, and e(α, β)) must be the one the
 * proving key exports: with γ the G2 generator, whoever chooses α, β or IC can forge proofs, so δ
 * alone is not enough. With the native addon the expected key is made from the zkey's header and
 * IC section (read already) and e(α, β) computed natively, in milliseconds; without it, snarkjs
 * exports it (its curve takes about a second to build).
 */
async function isKeysVerificationKey(zkeyPath: string, points: ZkeyVerificationPoints, onDisk: unknown, backend: 'auto' | 'snarkjs'): Promise<boolean> {
  let exported: unknown
  const NativeVerifier = backend === 'auto' ? loadNativeAddon()?.NativeVerifier : undefined
  if (NativeVerifier) {
    const key = { protocol: 'groth16', curve: 'bn128', ...points }
    let alphaBeta: unknown
    try {
      alphaBeta = JSON.parse(new NativeVerifier(JSON.stringify(key)).alphaBetaJson)
    } catch {
      return false // the key's own points are not valid: it cannot be any verification key's
    }
    // snarkjs's field order, so the comparison below is exact.
    exported = { protocol: key.protocol, curve: key.curve, nPublic: key.nPublic, vk_alpha_1: key.vk_alpha_1, vk_beta_2: key.vk_beta_2, vk_gamma_2: key.vk_gamma_2, vk_delta_2: key.vk_delta_2, vk_alphabeta_12: alphaBeta, IC: key.IC }
  } else {
    try {
      exported = await (await import('snarkjs')).zKey.exportVerificationKey(zkeyPath)
    } catch (cause) {
      throw new SetupError(`${zkeyPath} cannot be read as a Groth16 proving key.`, { details: 'The file is damaged or is not a .zkey; rerun `glassbox setup`.', cause })
    }
  }
  return JSON.stringify(exported) === JSON.stringify(onDisk)
}

function sameG1(a: G1Point, b: G1Point): boolean {
  return a[0] === b[0] && a[1] === b[1]
}

function isG2Json(value: unknown): value is string[][] {
  return Array.isArray(value) && value.length >= 2 && value.slice(0, 2).every((c) => Array.isArray(c) && c.length >= 2 && c.every((x) => typeof x === 'string'))
}

function sameG2(json: string[][], point: G2Point): boolean {
  return json[0]?.[0] === point[0][0] && json[0]?.[1] === point[0][1] && json[1]?.[0] === point[1][0] && json[1]?.[1] === point[1][1]
}

/** e(δ₁, g₂) = e(g₁, δ₂): the G1 and G2 deltas have the same discrete logarithm. */
async function sameDelta(g1: G1Point, g2: G2Point, backend: 'auto' | 'snarkjs'): Promise<boolean> {
  const native = backend === 'auto' ? loadNativeAddon() : undefined
  if (native?.sameDiscreteLog) return native.sameDiscreteLog(JSON.stringify([...g1, '1']), JSON.stringify([...g2, ['1', '0']]))
  const snarkjs = await import('snarkjs')
  // A single-threaded curve: no worker threads to release, and no clash with snarkjs's shared one.
  const curve = (await snarkjs.curves.getCurveFromName('bn128', { singleThread: true })) as unknown as PairingCurve
  try {
    const a = curve.G1.fromObject([BigInt(g1[0]), BigInt(g1[1]), 1n])
    const b = curve.G2.fromObject([[BigInt(g2[0][0]), BigInt(g2[0][1])], [BigInt(g2[1][0]), BigInt(g2[1][1])], [1n, 0n]])
    return await curve.pairingEq(curve.G1.neg(a), curve.G2.g, curve.G1.g, b)
  } finally {
    await curve.terminate()
  }
}
