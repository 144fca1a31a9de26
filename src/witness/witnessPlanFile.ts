import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { GLASSBOX_VERSION } from '../version.js'
import type { WitnessPlan } from './witnessPlan.js'

/**
 * The plan file (`witness.plan` in a build folder): `"gbwp"`, u32 format
 * version, u32 wires, u32 positions (0: refused, see below), the SHA-256 of
 * the `.sym` it was laid out from (32 bytes), the glassbox version that laid
 * it out (32 bytes, NUL-padded), then the wires' positions as little-endian
 * i32 — or, for a refusal, the reason as UTF-8. It is a cache: a plan from
 * another circuit, another format or another glassbox is laid out again (and
 * checked against wasm again), so mirrors changed by an upgrade never reuse
 * an old layout.
 *
 * A refusal records that the mirrors did not match this circuit (a glassbox
 * bug found by the check against wasm), so every later process goes straight
 * to the wasm witness instead of laying the plan out again.
 */
const MAGIC = 0x70776267 // "gbwp"
const FORMAT = 2
const HEADER = 16 + 32 + 32

export type WitnessPlanFile = { plan: WitnessPlan } | { refused: string }

function versionBytes(): Buffer {
  const bytes = Buffer.alloc(32)
  bytes.write(GLASSBOX_VERSION.slice(0, 32), 'utf8')
  return bytes
}

/** The plan (or refusal) in `path` if it was laid out from the `.sym` with this SHA-256 by this glassbox, else undefined. Never throws. */
export async function readWitnessPlan(path: string, symSha256: string): Promise<WitnessPlanFile | undefined> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch {
    return undefined
  }
  if (bytes.length < HEADER || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== FORMAT) return undefined
  if (bytes.subarray(16, 48).toString('hex') !== symSha256 || !bytes.subarray(48, 80).equals(versionBytes())) return undefined
  const wires = bytes.readUInt32LE(8)
  const positions = bytes.readUInt32LE(12)
  if (positions === 0) return { refused: bytes.subarray(HEADER).toString('utf8') }
  if (bytes.length !== HEADER + wires * 4) return undefined
  const positionOfWire = new Int32Array(wires)
  for (let w = 0; w < wires; w++) {
    const position = bytes.readInt32LE(HEADER + w * 4)
    // A damaged file must never gather from outside the store.
    if (w > 0 && (position < 0 || position >= positions)) return undefined
    positionOfWire[w] = position
  }
  return { plan: { wires, positions, positionOfWire } }
}

/** Writes a plan, or a refusal with its reason, atomically (temp file + rename): concurrent workers may race, never see half a file. */
export async function writeWitnessPlan(path: string, content: WitnessPlanFile, symSha256: string): Promise<void> {
  const body = 'plan' in content ? Buffer.alloc(content.plan.wires * 4) : Buffer.from(content.refused, 'utf8')
  const header = Buffer.alloc(HEADER)
  header.writeUInt32LE(MAGIC, 0)
  header.writeUInt32LE(FORMAT, 4)
  if ('plan' in content) {
    header.writeUInt32LE(content.plan.wires, 8)
    header.writeUInt32LE(content.plan.positions, 12)
    for (let w = 0; w < content.plan.wires; w++) body.writeInt32LE(content.plan.positionOfWire[w]!, w * 4)
  }
  Buffer.from(symSha256, 'hex').copy(header, 16)
  versionBytes().copy(header, 48)
  const staging = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    await writeFile(staging, Buffer.concat([header, body]))
    await rename(staging, path)
  } finally {
    await rm(staging, { force: true })
  }
}
