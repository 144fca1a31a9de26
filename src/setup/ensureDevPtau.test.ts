import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CIRCUIT } from '../../test/chain/groth16Fixture.js'
import { makeTempDir } from '../../test/support/tempDirs.js'
import { readR1csHeader } from '../compile/readR1csHeader.js'
import { runCircom } from '../compile/runCircom.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import type { NativeAddon } from '../native/loadNativeAddon.js'
import { nativeBackend } from '../prove/nativeBackend.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { ensureDevPtau } from './ensureDevPtau.js'
import type { DevPtau } from './ensureDevPtau.js'
import { readPtauHeader } from './readPtauHeader.js'

const addon = loadNativeAddon()
const POWER = 8
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

describe.skipIf(!addon)(`native dev setup: powers of tau and Groth16 keys${addon ? '' : ' (skipped: native addon not built; run `npm run build:native`)'}`, () => {
  let keysDir: string
  let ptau: DevPtau

  beforeAll(async () => {
    keysDir = makeTempDir('glassbox-ptau-')
    ptau = await ensureDevPtau({ power: POWER, keysDir, generator: 'native' })
  })
  afterAll(releaseSnarkjs)

  it('writes a prepared ptau that snarkjs verifies, cached by power', async () => {
    const header = await readPtauHeader(ptau.path)
    expect(header).toEqual({ power: POWER, ceremonyPower: POWER, sections: [1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15] })
    expect(await snarkjs.powersOfTau.verify(ptau.path, quiet)).toBe(true)
    const again = await ensureDevPtau({ power: POWER - 2, keysDir, generator: 'native' })
    expect(again).toEqual(ptau)
  })

  it('has the phase-2 sections snarkjs would compute from its powers, byte for byte', async () => {
    const redone = join(keysDir, 'redone.ptau')
    await snarkjs.powersOfTau.preparePhase2(ptau.path, redone, quiet)
    const [ours, theirs] = [await readFile(ptau.path), await readFile(redone)]
    expect(ours.length).toBe(theirs.length)
    for (const type of [12, 13, 14, 15]) expect(Buffer.compare(section(ours, type), section(theirs, type)), `section ${type}`).toBe(0)
  })

  it('serves snarkjs Groth16 setup: native and snarkjs proofs of a circuit verify', async () => {
    const dir = makeTempDir('glassbox-ptau-circuit-')
    await runCircom({ source: CIRCUIT, outDir: dir })
    const zkey0 = join(dir, 'c0.zkey')
    const zkey = join(dir, 'c.zkey')
    await snarkjs.zKey.newZKey(join(dir, 'circuit.r1cs'), ptau.path, zkey0, quiet)
    await snarkjs.zKey.contribute(zkey0, zkey, 'test', 'entropy', quiet)
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet)
    const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(join(dir, 'circuit.wasm'))))
    const wtns = await calculator.calculateWTNSBin({ a: 3, b: 11, prover: 5 }, true)

    const backend = nativeBackend({ addon: addon as NativeAddon, threads: 1 })
    await backend.loadKey(new Uint8Array(await readFile(zkey)))
    const native = await backend.prove(wtns)
    await backend.close()
    expect(native.publicSignals).toEqual(['33', '3', '5'])
    expect(await snarkjs.groth16.verify(vk, native.publicSignals, native.proof)).toBe(true)

    const js = await snarkjs.groth16.prove(zkey, { type: 'mem', data: wtns }, undefined, { singleThread: true })
    expect(await snarkjs.groth16.verify(vk, js.publicSignals, js.proof)).toBe(true)
    expect((await stat(ptau.path)).size).toBeGreaterThan(0)
  })

  it('writes a dev Groth16 key natively that snarkjs proves with and exports a verifier from', async () => {
    const dir = makeTempDir('glassbox-zkey-')
    await runCircom({ source: CIRCUIT, outDir: dir })
    const zkey = join(dir, 'native.zkey')
    expect(await (addon as NativeAddon).writeDevZkey(join(dir, 'circuit.r1cs'), ptau.path, ptau.sha256, zkey, 2)).toBe(3)
    const vk = await snarkjs.zKey.exportVerificationKey(zkey, quiet)
    expect(vk.nPublic).toBe(3)
    const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(join(dir, 'circuit.wasm'))))
    const wtns = await calculator.calculateWTNSBin({ a: 4, b: 9, prover: 7 }, true)
    const js = await snarkjs.groth16.prove(zkey, { type: 'mem', data: wtns }, undefined, { singleThread: true })
    expect(await snarkjs.groth16.verify(vk, js.publicSignals, js.proof)).toBe(true)
    const backend = nativeBackend({ addon: addon as NativeAddon })
    await backend.loadKey(new Uint8Array(await readFile(zkey)))
    const native = await backend.prove(wtns)
    await backend.close()
    expect(await snarkjs.groth16.verify(vk, native.publicSignals, native.proof)).toBe(true)
    // A tampered public signal must fail: the key is not trivially accepting.
    expect(await snarkjs.groth16.verify(vk, ['37', '4', '7'], native.proof)).toBe(false)
    // A file that is not a ptau is refused with a message, not a crash.
    await expect((addon as NativeAddon).writeDevZkey(join(dir, 'circuit.r1cs'), join(dir, 'circuit.wasm'), ptau.sha256, zkey, 1)).rejects.toThrow(/not a powers-of-tau/)
  })

  it('refuses a circuit bigger than the ptau, saying which power it needs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-zkey-big-'))
    // 2 × 200 range-check bits: 400 constraints, more than the 2^8 this ptau holds.
    await runCircom({ source: 'pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main = InputRange(2, 200);\n', outDir: dir })
    expect((await readR1csHeader(join(dir, 'circuit.r1cs'))).constraints).toBeGreaterThan(2 ** POWER)
    await expect((addon as NativeAddon).writeDevZkey(join(dir, 'circuit.r1cs'), ptau.path, ptau.sha256, join(dir, 'big.zkey'), 1)).rejects.toThrow(
      new RegExp(`needs a powers of tau of 2\\^9, the file has 2\\^${POWER}`),
    )
    await rm(dir, { recursive: true, force: true })
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
