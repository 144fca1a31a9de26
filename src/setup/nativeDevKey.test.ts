import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCircom } from '../compile/runCircom.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import type { NativeAddon } from '../native/loadNativeAddon.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { ensureDevPtau } from './ensureDevPtau.js'
import type { DevPtau } from './ensureDevPtau.js'
import { readZkeyContributions } from './readZkeyContributions.js'

const addon = loadNativeAddon()
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

// Coefficients other than ±1, a signal only in C, public signals in A, B and C, and wires that
// never appear in A or B (points at infinity in the key): what a circuit hash must get right.
const CIRCUIT = `pragma circom 2.0.0;
template Mix() {
    signal input x;
    signal input y;
    signal input k;
    signal output out;
    signal output lin;
    signal t;
    signal u;
    t <== (3 * x + 7) * (y - 5);
    u <== t * k + 11 * x;
    out <== u * u;
    lin <== 5 * t + 2 * u + 9;
}
component main { public [x] } = Mix();
`

// In CI the addon is always built (npm ci): a missing one there is a failure, not a skip.
describe.skipIf(!addon && !process.env.CI)(`native dev keys in snarkjs's format${addon ? '' : ' (skipped: native addon not built)'}`, () => {
  let dir: string
  let ptau: DevPtau

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glassbox-native-zkey-'))
    ptau = await ensureDevPtau({ power: 4, keysDir: dir, generator: 'native' })
    await runCircom({ source: CIRCUIT, outDir: dir })
  })
  afterAll(async () => {
    await releaseSnarkjs()
    await rm(dir, { recursive: true, force: true })
  })

  it('has the circuit hash `snarkjs zkey new` computes, and `snarkjs zkey verify` accepts it', async () => {
    const r1cs = join(dir, 'circuit.r1cs')
    const native = join(dir, 'native.zkey')
    await (addon as NativeAddon).writeDevZkey(r1cs, ptau.path, ptau.sha256, native, 2)
    const reference = join(dir, 'reference.zkey')
    await snarkjs.zKey.newZKey(r1cs, ptau.path, reference, quiet)
    const [ours, theirs] = [await readZkeyContributions(native), await readZkeyContributions(reference)]
    expect(ours.circuitHash).toBe(theirs.circuitHash)
    expect(ours.contributions).toHaveLength(1)
    // The sections zkey verify compares byte for byte with its own `zkey new`.
    const [a, b] = [await readFile(native), await readFile(reference)]
    for (const type of [3, 4, 5, 6, 7]) expect(Buffer.compare(section(a, type), section(b, type)), `section ${type}`).toBe(0)
    expect(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau.path, native, quiet)).toBe(true)
  })

  it('refuses a ptau that does not match its pinned SHA-256', async () => {
    const wrongPin = '00'.repeat(32)
    await expect((addon as NativeAddon).writeDevZkey(join(dir, 'circuit.r1cs'), ptau.path, wrongPin, join(dir, 'pinned.zkey'), 1)).rejects.toThrow(/SHA-256/)
  })
})

/** The body of the section of this type in a snarkjs binary file. */
function section(bytes: Buffer, type: number): Buffer {
  let offset = 12
  for (let i = 0; i < bytes.readUInt32LE(8); i++) {
    const length = Number(bytes.readBigUInt64LE(offset + 4))
    if (bytes.readUInt32LE(offset) === type) return bytes.subarray(offset + 12, offset + 12 + length)
    offset += 12 + length
  }
  throw new Error(`no section ${type}`)
}
