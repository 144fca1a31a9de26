import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { SetupError } from '../errors.js'

/** BN254's base field modulus q. */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n
/** 2^256 mod q, inverted: Montgomery form (snarkjs's "LEM") to standard form. */
const R_INV = modInverse((1n << 256n) % Q, Q)

export type ZkeyContribution = {
  /** The contributor's name (snarkjs's `-n`), empty when none was given. */
  name: string
  type: 'contribution' | 'beacon'
  /** The contribution hash as `snarkjs zkey contribute` prints it, as 128 hex digits without its spacing. */
  hash: string
  /** For a beacon: its hash (hex) and the iteration exponent (2^exp hash iterations). */
  beacon?: { hash: string; iterationsExp: number }
}

/** An affine G1 point as decimal coordinates [x, y]. */
export type G1Point = [string, string]
/** An affine G2 point as decimal coordinates [[x.c0, x.c1], [y.c0, y.c1]]. */
export type G2Point = [[string, string], [string, string]]

export type ReadZkeyContributionsReturnType = {
  /** snarkjs's circuit hash (BLAKE2b-512 of the initial key), hex. */
  circuitHash: string
  /** The phase-2 contributions, oldest first. */
  contributions: ZkeyContribution[]
  /** δ of the key (its header), G1 and G2. */
  delta: { g1: G1Point; g2: G2Point }
  /** δ after the last contribution, as its contribution records it (the G1 generator when there is none). */
  lastDeltaAfter: G1Point
  /** The points a verification key is made of (header and IC section), in snarkjs's JSON form. */
  verificationKey: ZkeyVerificationPoints
}

/** `vk_alpha_1`, `vk_beta_2`, `vk_gamma_2`, `vk_delta_2` and `IC` as snarkjs writes them (decimal strings, with the projective "1"). */
export type ZkeyVerificationPoints = {
  nPublic: number
  vk_alpha_1: string[]
  vk_beta_2: string[][]
  vk_gamma_2: string[][]
  vk_delta_2: string[][]
  IC: string[][]
}

/**
 * Reads a Groth16 zkey's phase-2 transcript and verification points from its
 * header, IC and contribution sections only (a seek and a few hundred bytes
 * per public signal, whatever the key's size), and
 * computes each contribution's hash as snarkjs does (BLAKE2b-512 over the
 * contribution's public key and transcript). It checks nothing about the
 * points: `snarkjs zkey verify` (see `verifySetup`) does that.
 *
 * @throws {SetupError} when the file is not a Groth16 zkey or is truncated.
 * @example
 * const { circuitHash, contributions } = await readZkeyContributions('build/iris/circuit.zkey')
 */
export async function readZkeyContributions(path: string): Promise<ReadZkeyContributionsReturnType> {
  let file
  try {
    file = await open(path, 'r')
  } catch (cause) {
    throw new SetupError(`Cannot open the proving key ${path}.`, { details: 'Run `glassbox setup` on the build folder first.', cause })
  }
  try {
    const { size } = await file.stat()
    const read = async (position: number, length: number): Promise<Buffer> => {
      if (position + length > size) throw new SetupError(`${path} is truncated.`, { details: 'Rerun `glassbox setup` to recreate the key.' })
      const buffer = Buffer.alloc(length)
      await file.read(buffer, 0, length, position)
      return buffer
    }
    const head = await read(0, 12)
    if (head.toString('latin1', 0, 4) !== 'zkey') throw new SetupError(`${path} is not a zkey file.`, { details: 'Rerun `glassbox setup` to recreate the key.' })
    const sections = new Map<number, { at: number; length: number }>()
    let offset = 12
    for (let i = 0; i < head.readUInt32LE(8); i++) {
      const sectionHead = await read(offset, 12)
      const length = Number(sectionHead.readBigUInt64LE(4))
      sections.set(sectionHead.readUInt32LE(0), { at: offset + 12, length })
      offset += 12 + length
    }
    const body = async (type: number): Promise<Buffer> => {
      const s = sections.get(type)
      if (!s) throw new SetupError(`${path} has no section ${type}.`, { details: 'The file is not a complete Groth16 key; rerun `glassbox setup`.' })
      return read(s.at, s.length)
    }
    if ((await body(1)).readUInt32LE(0) !== 1) throw new SetupError(`${path} is not a Groth16 key.`)
    const header = await body(2)
    return { ...parseZkeyTranscript(header, await body(10)), verificationKey: parseVerificationPoints(header, await body(3)) }
  } finally {
    await file.close()
  }
}

const HEADER_POINTS_AT = 4 + 32 + 4 + 32 + 12

/** The verification points from the Groth16 header (section 2) and the IC section (3). Pure. */
function parseVerificationPoints(header: Buffer, ic: Buffer): ZkeyVerificationPoints {
  const nPublic = header.readUInt32LE(4 + 32 + 4 + 32 + 4)
  if (ic.length !== (nPublic + 1) * 64) {
    throw new SetupError('The proving key has a malformed IC section.', { details: `It should hold ${nPublic + 1} points for ${nPublic} public signals. Rerun \`glassbox setup\` to recreate the key.` })
  }
  const affine1 = (p: G1Point) => [...p, '1']
  const affine2 = (p: G2Point) => [...p, ['1', '0']]
  // alpha1, beta1, beta2, gamma2, delta1, delta2.
  const at = HEADER_POINTS_AT
  return {
    nPublic,
    vk_alpha_1: affine1(g1(header, at)),
    vk_beta_2: affine2(g2(header, at + 128)),
    vk_gamma_2: affine2(g2(header, at + 256)),
    vk_delta_2: affine2(g2(header, at + 448)),
    IC: Array.from({ length: nPublic + 1 }, (_, i) => affine1(g1(ic, i * 64))),
  }
}

/** Parses the Groth16 header (section 2) and the contributions (section 10). Pure. */
function parseZkeyTranscript(header: Buffer, mpc: Buffer): Omit<ReadZkeyContributionsReturnType, 'verificationKey'> {
  const malformed = () => new SetupError('The proving key has a malformed header or contribution section.', { details: 'Rerun `glassbox setup` to recreate the key.' })
  if (header.readUInt32LE(0) !== 32 || header.length < 4 + 32 + 4 + 32 + 12 + 64 * 3 + 128 * 3) throw malformed()
  // alpha1, beta1, beta2, gamma2, then delta1 and delta2.
  const deltaAt = HEADER_POINTS_AT + 64 * 2 + 128 * 2
  const delta = { g1: g1(header, deltaAt), g2: g2(header, deltaAt + 64) }

  let at = 0
  const take = (length: number): Buffer => {
    if (at + length > mpc.length) throw malformed()
    const slice = mpc.subarray(at, at + length)
    at += length
    return slice
  }
  const circuitHash = take(64).toString('hex')
  const count = take(4).readUInt32LE(0)
  const contributions: ZkeyContribution[] = []
  let lastDeltaAfter: G1Point = ['1', '2']
  for (let i = 0; i < count; i++) {
    const start = at
    const deltaAfter = take(64)
    take(64 * 2 + 128) // g1_s, g1_sx, g2_spx
    take(64) // transcript
    const end = at
    const type = take(4).readUInt32LE(0)
    const params = take(take(4).readUInt32LE(0))
    const hasher = createHash('blake2b512')
    const pub = mpc.subarray(start, end)
    // snarkjs's hashPubKey: deltaAfter, g1_s, g1_sx (G1), g2_spx (G2) uncompressed, then the transcript.
    for (let p = 0; p < 3; p++) hasher.update(uncompressed(pub.subarray(p * 64, p * 64 + 64)))
    hasher.update(uncompressed(pub.subarray(192, 320)))
    hasher.update(pub.subarray(320, 384))
    const contribution: ZkeyContribution = { name: '', type: type === 1 ? 'beacon' : 'contribution', hash: hasher.digest('hex') }
    let p = 0
    let iterationsExp: number | undefined
    let beaconHash: string | undefined
    while (p < params.length) {
      const kind = params[p++]!
      if (kind === 1 || kind === 3) {
        const length = params[p++] ?? 0
        if (p + length > params.length) throw malformed()
        const value = params.subarray(p, p + length)
        p += length
        if (kind === 1) contribution.name = value.toString('utf8')
        else beaconHash = value.toString('hex')
      } else if (kind === 2) {
        iterationsExp = params[p++]
      } else {
        throw malformed()
      }
    }
    if (contribution.type === 'beacon') {
      if (beaconHash === undefined || iterationsExp === undefined) throw malformed()
      contribution.beacon = { hash: beaconHash, iterationsExp }
    }
    contributions.push(contribution)
    lastDeltaAfter = g1(deltaAfter, 0)
  }
  return { circuitHash, contributions, delta, lastDeltaAfter }
}

/** A base-field element from its little-endian Montgomery bytes. */
function fq(bytes: Buffer, at: number): bigint {
  let raw = 0n
  for (let i = 31; i >= 0; i--) raw = (raw << 8n) | BigInt(bytes[at + i]!)
  return (raw * R_INV) % Q
}

function g1(bytes: Buffer, at: number): G1Point {
  return [fq(bytes, at).toString(), fq(bytes, at + 32).toString()]
}

function g2(bytes: Buffer, at: number): G2Point {
  return [
    [fq(bytes, at).toString(), fq(bytes, at + 32).toString()],
    [fq(bytes, at + 64).toString(), fq(bytes, at + 96).toString()],
  ]
}

/** ffjavascript's `toRprUncompressed` of an LEM point: big-endian standard coordinates (Fq2 as c1, c0); infinity is 0x40. */
function uncompressed(lem: Buffer): Buffer {
  const out = Buffer.alloc(lem.length)
  if (lem.every((b) => b === 0)) {
    out[0] = 0x40
    return out
  }
  const coordinates = lem.length / 32
  for (let c = 0; c < coordinates; c++) {
    // G2: each coordinate is (c0, c1) in LEM and (c1, c0) uncompressed.
    const source = coordinates === 4 ? c ^ 1 : c
    out.set(Buffer.from(fq(lem, source * 32).toString(16).padStart(64, '0'), 'hex'), c * 32)
  }
  return out
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a, m, 1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % m) + m) % m
}
