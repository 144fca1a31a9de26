import { readFile, rename, writeFile } from 'node:fs/promises'
import type { WitnessPlan } from './witnessPlan.js'

/**
 * The plan file (`witness.plan` in a build folder): `"gbwp"`, u32 format
 * version, u32 wires, u32 positions, the SHA-256 of the `.sym` it was built
 * from (32 bytes), then the wires' positions as little-endian i32. It is a
 * cache: any mismatch means "build it again from circuit.sym".
 */
const MAGIC = 0x70776267 // "gbwp"
/**
 * Bumped whenever a template mirror changes what it declares or in which
 * order (a plan from another layout would gather the wrong values; writeWtns
 * also refuses a plan whose position count differs).
 */
export const WITNESS_LAYOUT_VERSION = 1
const HEADER = 16 + 32

/** The plan in `path` if it was built from the `.sym` with this SHA-256 by this layout version, else undefined. Never throws. */
export async function readWitnessPlan(path: string, symSha256: string): Promise<WitnessPlan | undefined> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch {
    return undefined
  }
  if (bytes.length < HEADER) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const wires = view.getUint32(8, true)
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== WITNESS_LAYOUT_VERSION || bytes.length !== HEADER + wires * 4) return undefined
  if (bytes.subarray(16, 48).toString('hex') !== symSha256) return undefined
  const positionOfWire = new Int32Array(wires)
  for (let w = 0; w < wires; w++) positionOfWire[w] = view.getInt32(HEADER + w * 4, true)
  return { wires, positions: view.getUint32(12, true), positionOfWire }
}

/** Writes the plan atomically (temp file + rename): concurrent workers may race, never see half a file. */
export async function writeWitnessPlan(path: string, plan: WitnessPlan, symSha256: string): Promise<void> {
  const bytes = Buffer.alloc(HEADER + plan.wires * 4)
  bytes.writeUInt32LE(MAGIC, 0)
  bytes.writeUInt32LE(WITNESS_LAYOUT_VERSION, 4)
  bytes.writeUInt32LE(plan.wires, 8)
  bytes.writeUInt32LE(plan.positions, 12)
  Buffer.from(symSha256, 'hex').copy(bytes, 16)
  for (let w = 0; w < plan.wires; w++) bytes.writeInt32LE(plan.positionOfWire[w]!, HEADER + w * 4)
  const staging = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  await writeFile(staging, bytes)
  await rename(staging, path)
}
