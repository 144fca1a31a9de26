import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, rename, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import { ArtifactError, ProveError } from '../errors.js'
import { loadNativeAddon, NATIVE_ADDON_PATH } from '../native/loadNativeAddon.js'
import type { NativeAddon } from '../native/loadNativeAddon.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { verifyProofsOnChain } from '../verify/verifyProofsOnChain.js'
import { circuitInput } from './circuitInput.js'
import { createProver } from './createProver.js'
import { nativeBackend } from './nativeBackend.js'
import type { ProofRecord } from './proofRecord.js'
import { proveBatch } from './proveBatch.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import { selectBackend, threadsPerWorker } from './selectBackend.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const addon = loadNativeAddon()
const skipReason = 'native addon not built (run `npm run build:native`; needs Rust/cargo)'

/** A .wtns for one iris input, from the circuit's own witness calculator. */
async function irisWitness(buildDir: string, input: number[]): Promise<Uint8Array> {
  const { WitnessCalculatorBuilder } = await import('circom_runtime')
  const artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
  const calculator = await WitnessCalculatorBuilder(artifacts.wasm)
  const { signals } = circuitInput(artifacts.model, input, PROVER, { salted: artifacts.manifest.input.salted === true })
  return calculator.calculateWTNSBin(signals as Record<string, unknown>, true)
}

describe.skipIf(!addon)(`native backend${addon ? '' : ` (skipped: ${skipReason})`}`, () => {
  const native = addon as NativeAddon
  let irisDir: string
  let digitsDir: string
  let zkey: Uint8Array
  let witness: Uint8Array

  beforeAll(async () => {
    irisDir = await buildExample('iris')
    digitsDir = await buildExample('digits')
    zkey = new Uint8Array(await readFile(buildPaths(irisDir).zkey))
    witness = await irisWitness(irisDir, [5.1, 3.5, 1.4, 0.2])
  })
  afterAll(releaseSnarkjs)

  it('proves the iris example: snarkjs and the Solidity verifier on the embedded chain accept the proofs', async () => {
    const outPath = join(irisDir, 'native-proofs.jsonl')
    const result = await proveBatch({ buildDir: irisDir, inputsPath: examplePath('iris', 'inputs.jsonl'), outPath, workers: 2, backend: 'native', prover: PROVER })
    expect(result.failures).toEqual([])
    expect(result.backend).toBe('native')
    // Two workers share the cores: each native prover gets ⌊cores / 2⌋ threads (at least one).
    const cores = (await import('node:os')).availableParallelism()
    expect(result.workers).toBe(2)
    expect(result.threadsPerWorker).toBe(Math.max(1, Math.floor(cores / 2)))
    const records = (await readFile(outPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as ProofRecord)
    expect(records.length).toBeGreaterThan(0)
    const vk = JSON.parse(await readFile(buildPaths(irisDir).verificationKey, 'utf8'))
    for (const r of records) {
      expect(r.backend).toBe('native')
      expect(r.proof.protocol).toBe('groth16')
      expect(r.proof.curve).toBe('bn128')
      expect(await snarkjs.groth16.verify(vk, r.publicSignals, r.proof)).toBe(true)
    }
    const onChain = await verifyProofsOnChain({ buildDir: irisDir, proofsPath: outPath })
    expect(onChain.checks.length).toBe(records.length)
    expect(onChain.checks.every((c) => c.valid)).toBe(true)
  })

  it('returns the same public signals as snarkjs, and a proof snarkjs verifies', async () => {
    const backend = nativeBackend({ addon: native, threads: 2 })
    await backend.loadKey(zkey)
    const ours = await backend.prove(witness)
    const theirs = await snarkjs.groth16.prove({ type: 'mem', data: zkey }, { type: 'mem', data: witness }, undefined, { singleThread: true })
    expect(ours.publicSignals).toEqual(theirs.publicSignals)
    const vk = JSON.parse(await readFile(buildPaths(irisDir).verificationKey, 'utf8'))
    expect(await snarkjs.groth16.verify(vk, ours.publicSignals, ours.proof)).toBe(true)
    await backend.close()
  })

  it('says whether its MSMs and FFTs run on the IFMA lanes; GLASSBOX_NATIVE_IFMA=0 keeps them off', () => {
    // The switch is read once per process: each answer from a fresh one.
    const lanes = (ifma?: string) => {
      const { GLASSBOX_NATIVE_IFMA: _, ...env } = process.env
      return execFileSync(process.execPath, ['-e', 'process.stdout.write(String(require(process.argv[1]).ifmaLanes()))', NATIVE_ADDON_PATH], {
        env: ifma === undefined ? env : { ...env, GLASSBOX_NATIVE_IFMA: ifma },
        encoding: 'utf8',
      })
    }
    expect(['true', 'false']).toContain(lanes(undefined))
    expect(lanes('0')).toBe('false')
    expect(native.ifmaLanes?.()).toBe(lanes(process.env['GLASSBOX_NATIVE_IFMA']) === 'true')
  })

  it('proves off the event loop: timers keep firing during a proof', async () => {
    const backend = nativeBackend({ addon: native, threads: 1 })
    await backend.loadKey(zkey)
    let ticks = 0
    const timer = setInterval(() => ticks++, 0)
    const started = performance.now()
    // Several proofs back to back, so the wait is long enough to observe.
    for (let i = 0; i < 5; i++) await backend.prove(witness)
    const elapsed = performance.now() - started
    clearInterval(timer)
    await backend.close()
    // A blocking call would leave only the ticks between awaits (about one per proof).
    expect(ticks).toBeGreaterThan(5 + Math.floor(elapsed / 50))
  })

  it('refuses a corrupted proving key with a ProveError, not a crash', async () => {
    // A flipped byte in a point (section 5, A): caught by the curve checks of an unpinned key.
    const offPoint = zkey.slice()
    const pointAt = sectionOffset(offPoint, 5) + 64 * 3 + 40
    offPoint[pointAt]! ^= 0x5a
    await expect(nativeBackend({ addon: native }).loadKey(offPoint)).rejects.toThrow(ProveError)

    // A flipped coefficient (section 4) of the constant signal (always 1): the key parses, but the
    // proof fails the prover's own check against the verification key.
    const badCoef = zkey.slice()
    badCoef[coefficientOfSignal(badCoef, 0) + 3]! ^= 0x01
    const backend = nativeBackend({ addon: native })
    await backend.loadKey(badCoef)
    await expect(backend.prove(witness)).rejects.toThrow(/does not verify/)
    await backend.close()

    // Pinned to the manifest's SHA-256: any change is refused before parsing.
    const { manifest } = await loadProvingArtifacts(irisDir)
    const pinned = nativeBackend({ addon: native, zkeySha256: manifest.artifacts['zkey']! })
    await expect(pinned.loadKey(badCoef)).rejects.toThrow(/pinned SHA-256/)
    await pinned.loadKey(zkey)
    await pinned.close()

    // Not a zkey at all, and a truncated one.
    await expect(nativeBackend({ addon: native }).loadKey(new TextEncoder().encode('not a zkey'))).rejects.toThrow(ProveError)
    await expect(nativeBackend({ addon: native }).loadKey(zkey.slice(0, zkey.length - 100))).rejects.toThrow(/truncated/)
  })

  it('loads a key file by its manifest hash once per process: later provers take it without reading the file', async () => {
    const sha256 = (await loadProvingArtifacts(irisDir, { withKey: false })).manifest.artifacts['zkey']!
    const first = await new native.NativeProver(1).loadKeyFile!(buildPaths(irisDir).zkey, sha256)
    expect(first).toMatchObject({ pinned: true })
    // Same hash, a path that does not exist: served from the cache, so the file was not touched.
    const again = new native.NativeProver(1)
    expect(await again.loadKeyFile!(join(irisDir, 'no-such.zkey'), sha256)).toMatchObject({ cached: true, pinned: true })
    const proof = JSON.parse((await again.prove(witness)).json) as { publicSignals: string[] }
    expect(proof.publicSignals.length).toBeGreaterThan(0)
    again.close()

    // A file that does not hash to the manifest's value is an ArtifactError naming it; a missing one names it too.
    const tampered = join(irisDir, 'tampered.zkey')
    const bytes = zkey.slice()
    bytes[bytes.length - 1]! ^= 0x01
    await writeFile(tampered, bytes)
    const otherSha = createHash('sha256').update(zkey).update('other').digest('hex')
    await expect(nativeBackend({ addon: native }).loadKeyFile!(tampered, otherSha)).rejects.toThrow(ArtifactError)
    await expect(nativeBackend({ addon: native }).loadKeyFile!(tampered, otherSha)).rejects.toThrow(/tampered\.zkey does not match its hash in the manifest/)
    await expect(nativeBackend({ addon: native }).loadKeyFile!(join(irisDir, 'missing.zkey'), otherSha)).rejects.toThrow(/cannot read .*missing\.zkey/)
  })

  it('maps a key file once its hash matches: the key proves from its points in place, and a cut, padded or changed file says which', async () => {
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
    const write = async (name: string, bytes: Uint8Array) => {
      const path = join(irisDir, name)
      await writeFile(path, bytes)
      return path
    }
    // digits' key is not in this process's cache yet: this reads the file, and a proof from it passes the prover's own check.
    const digits = (await loadProvingArtifacts(digitsDir, { withKey: false })).manifest.artifacts['zkey']!
    const prover = new native.NativeProver(1)
    expect(await prover.loadKeyFile!(buildPaths(digitsDir).zkey, digits)).toMatchObject({ cached: false, pinned: true })
    const line = JSON.parse((await readFile(examplePath('digits', 'inputs.jsonl'), 'utf8')).split('\n')[0]!) as { input: number[] }
    const proved = JSON.parse((await prover.prove(await irisWitness(digitsDir, line.input))).json) as { publicSignals: string[] }
    expect(proved.publicSignals.length).toBeGreaterThan(0)
    prover.close()

    // Pinned to their own bytes, so only the parse can refuse them.
    const cut = zkey.slice(0, zkey.length - 100)
    await expect(nativeBackend({ addon: native }).loadKeyFile!(await write('cut.zkey', cut), sha(cut))).rejects.toThrow(/truncated/)
    const padded = new Uint8Array(zkey.length + 3)
    padded.set(zkey)
    await expect(nativeBackend({ addon: native }).loadKeyFile!(await write('padded.zkey', padded), sha(padded))).rejects.toThrow(/3 unexpected trailing bytes/)
    // Sections in another order (the header last, every point section at another offset): read all the same.
    const reordered = withSections(zkey, (sections) => [...sections.filter((x) => x.kind !== 2), sections.find((x) => x.kind === 2)!])
    const fromReordered = new native.NativeProver(1)
    const reorderedPath = await write('reordered.zkey', reordered)
    expect(await fromReordered.loadKeyFile!(reorderedPath, sha(reordered))).toMatchObject({ cached: false })
    expect(JSON.parse((await fromReordered.prove(witness)).json)).toHaveProperty('publicSignals')
    // Another file renamed over the mapped one (as setup replaces a key): the mapping still holds the old file, and proves.
    await rename(await write('replacement.zkey', padded), reorderedPath)
    expect(JSON.parse((await fromReordered.prove(witness)).json)).toHaveProperty('publicSignals')
    fromReordered.close()
    // Rewritten in place after the load (with the same bytes, even: the hash vouches for the file it read, not for
    // later writes): the next proof is refused, and a new load maps and hashes the file again.
    const reversed = withSections(zkey, (sections) => [...sections].reverse())
    const reversedPath = await write('reversed.zkey', reversed)
    // An old mtime: the rewrite below is then seen even where the filesystem's timestamps are coarse.
    await utimes(reversedPath, 0, 0)
    const fromReversed = new native.NativeProver(1)
    expect(await fromReversed.loadKeyFile!(reversedPath, sha(reversed))).toMatchObject({ cached: false, mapped: true })
    await writeFile(reversedPath, reversed)
    // Another prover's load does not take the cached key: it maps the file again.
    const another = new native.NativeProver(1)
    expect(await another.loadKeyFile!(reversedPath, sha(reversed))).toMatchObject({ cached: false })
    expect(JSON.parse((await another.prove(witness)).json)).toHaveProperty('publicSignals')
    another.close()
    await expect(fromReversed.prove(witness)).rejects.toThrow(/^\[KEY_CHANGED\] .*reversed\.zkey was changed in place since it was loaded/)
    expect(await fromReversed.loadKeyFile!(reversedPath, sha(reversed))).toMatchObject({ cached: true })
    expect(JSON.parse((await fromReversed.prove(witness)).json)).toHaveProperty('publicSignals')
    fromReversed.close()
    // Through the backend: rewritten in place with the same bytes, the key is mapped again and proves on; with
    // another key's bytes, it is refused as not the manifest's.
    const swapped = withSections(zkey, (sections) => [sections[1]!, sections[0]!, ...sections.slice(2)])
    const swappedPath = await write('swapped.zkey', swapped)
    await utimes(swappedPath, 0, 0)
    const backend = nativeBackend({ addon: native })
    await backend.loadKeyFile!(swappedPath, sha(swapped))
    await writeFile(swappedPath, swapped)
    expect((await backend.prove(witness)).publicSignals.length).toBeGreaterThan(0)
    await utimes(swappedPath, 0, 0)
    await backend.loadKeyFile!(swappedPath, sha(swapped))
    await writeFile(swappedPath, reversed)
    const refused = await backend.prove(witness).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ArtifactError)
    expect((refused as Error).message).toMatch(/swapped\.zkey does not match its hash in the manifest/)
    await backend.close()
    // A second A section, and a header claiming a domain of 2^27 in a file of half a megabyte (refused before anything is sized by it).
    const doubled = withSections(zkey, (sections) => [...sections, sections.find((x) => x.kind === 5)!])
    await expect(nativeBackend({ addon: native }).loadKeyFile!(await write('doubled.zkey', doubled), sha(doubled))).rejects.toThrow(/more than one section 5/)
    const inflated = zkey.slice()
    new DataView(inflated.buffer).setUint32(sectionOffset(inflated, 2) + 80, 2 ** 27, true)
    await expect(nativeBackend({ addon: native }).loadKeyFile!(await write('inflated.zkey', inflated), sha(inflated))).rejects.toThrow(/header claims .* more than the file's/)

    // Cut and not the pinned file either: refused as changed, which is what the user must hear.
    await expect(nativeBackend({ addon: native }).loadKeyFile!(join(irisDir, 'cut.zkey'), sha(new TextEncoder().encode('another key')))).rejects.toThrow(
      /cut\.zkey does not match its hash in the manifest/,
    )
  })

  it('builds the H query\'s fixed-base table when a long batch asks for it; GLASSBOX_NATIVE_TABLE_MIB overrides the request', async () => {
    const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
    // Keys no other test has loaded (the cache is by hash, and a key's first load decides its table): the same sections in other orders.
    const variant = async (name: string, last: number) => {
      const bytes = withSections(zkey, (sections) => [...sections.filter((x) => x.kind !== last), sections.find((x) => x.kind === last)!])
      const path = join(irisDir, name)
      await writeFile(path, bytes)
      return { path, sha256: sha(bytes) }
    }
    const asked = await variant('table.zkey', 3)
    const prover = new native.NativeProver(1)
    const info = await prover.loadKeyFile!(asked.path, asked.sha256, '64')
    expect(info.tableMib).toBeGreaterThan(0)
    const first = await prover.prove(witness)
    const proof = JSON.parse(first.json) as { proof: unknown; publicSignals: string[] }
    const vk = JSON.parse(await readFile(buildPaths(irisDir).verificationKey, 'utf8'))
    expect(await snarkjs.groth16.verify(vk, proof.publicSignals, proof.proof)).toBe(true)
    // The first proof beside an H table also builds tables for the witness MSMs' full-size scalars
    // (the input hash's): another witness proves through them.
    expect(first.tableMib).toBeGreaterThan(info.tableMib ?? 0)
    const other = JSON.parse((await prover.prove(await irisWitness(irisDir, [6.7, 3.0, 5.2, 2.3]))).json) as { proof: unknown; publicSignals: string[] }
    expect(other.publicSignals).not.toEqual(proof.publicSignals)
    expect(await snarkjs.groth16.verify(vk, other.publicSignals, other.proof)).toBe(true)
    // A later prover of the same key shares the table, whatever it asks.
    const sharing = new native.NativeProver(1)
    expect(await sharing.loadKeyFile!(asked.path, asked.sha256, null)).toMatchObject({ cached: true, tableMib: info.tableMib })
    prover.close()
    sharing.close()

    // A short batch's load (no request) leaves the decision open: a later long batch still gets its table.
    const later = await variant('later.zkey', 9)
    const shortBatch = new native.NativeProver(1)
    expect(await shortBatch.loadKeyFile!(later.path, later.sha256, null)).toMatchObject({ cached: false, tableMib: 0 })
    const longBatch = new native.NativeProver(1)
    expect(await longBatch.loadKeyFile!(later.path, later.sha256, '64')).toMatchObject({ cached: true, tableMib: info.tableMib })
    shortBatch.close()
    longBatch.close()

    // The operator's GLASSBOX_NATIVE_TABLE_MIB=0 wins over the pool's request.
    const refused = await variant('no-table.zkey', 10)
    const before = process.env['GLASSBOX_NATIVE_TABLE_MIB']
    process.env['GLASSBOX_NATIVE_TABLE_MIB'] = '0'
    try {
      const off = new native.NativeProver(1)
      expect(await off.loadKeyFile!(refused.path, refused.sha256, 'auto')).toMatchObject({ cached: false, tableMib: 0 })
      off.close()
    } finally {
      if (before === undefined) delete process.env['GLASSBOX_NATIVE_TABLE_MIB']
      else process.env['GLASSBOX_NATIVE_TABLE_MIB'] = before
    }

    // The backend passes the pool's choice on: `auto` for a long batch, nothing otherwise.
    const requests: unknown[] = []
    const spying = {
      ...native,
      NativeProver: function (threads: number) {
        const inner = new native.NativeProver(threads)
        return {
          loadKey: (bytes: Uint8Array, pin?: string | null) => inner.loadKey(bytes, pin),
          loadKeyFile: (path: string, pin: string, hTable?: string | null) => (requests.push(hTable), inner.loadKeyFile!(path, pin, hTable)),
          prove: (wtns: Uint8Array) => inner.prove(wtns),
          close: () => inner.close(),
        }
      },
    } as unknown as NativeAddon
    const long = nativeBackend({ addon: spying, threads: 1, hTable: true })
    await long.loadKeyFile!(asked.path, asked.sha256)
    await long.close()
    const short = nativeBackend({ addon: spying, threads: 1 })
    await short.loadKeyFile!(asked.path, asked.sha256)
    await short.close()
    expect(requests).toEqual(['auto', null])
  })

  it('refuses a witness of the wrong length or from another circuit with a ProveError', async () => {
    const digitsKey = new Uint8Array(await readFile(buildPaths(digitsDir).zkey))
    const other = nativeBackend({ addon: native })
    await other.loadKey(digitsKey)
    const error = await other.prove(witness).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProveError)
    expect((error as ProveError).details).toMatch(/Invalid witness length/)
    await other.close()

    const backend = nativeBackend({ addon: native })
    await backend.loadKey(zkey)
    // Drop the last value but keep a consistent container: the count no longer matches the circuit.
    const view = new DataView(witness.buffer, witness.byteOffset, witness.byteLength)
    const short = witness.slice()
    const countAt = sectionOffset(short, 1) + 4 + 32
    new DataView(short.buffer).setUint32(countAt, view.getUint32(countAt, true) - 1, true)
    await expect(backend.prove(short)).rejects.toThrow(/Invalid witness length/)
    await expect(backend.prove(witness.slice(0, witness.length - 32))).rejects.toThrow(ProveError)
    await backend.close()
  })

  it('proves through createProver like snarkjs does (records carry backend "native")', async () => {
    const artifacts = await loadProvingArtifacts(irisDir)
    const prover = await createProver(artifacts, nativeBackend({ addon: native, zkeySha256: artifacts.manifest.artifacts['zkey']! }), { prover: PROVER })
    const record = await prover.proveOne({ id: 'one', input: [6.3, 3.3, 6.0, 2.5] })
    expect(record.backend).toBe('native')
    await prover.close()
  })

  it('falls back to snarkjs with one warning line when the addon is missing', async () => {
    vi.resetModules()
    vi.stubEnv('GLASSBOX_NATIVE', '0')
    try {
      const fresh = (await import('./selectBackend.js')) as typeof import('./selectBackend.js')
      const warnings: string[] = []
      const logger = { info() {}, debug() {}, warn: (m: string) => warnings.push(m) }
      expect(fresh.selectBackend('auto', { logger })).toBe('snarkjs')
      expect(fresh.selectBackend('native', { logger })).toBe('snarkjs')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).not.toContain('\n')
      expect(warnings[0]).toMatch(/snarkjs/)
    } finally {
      vi.unstubAllEnvs()
    }
    expect(selectBackend('snarkjs')).toBe('snarkjs')
    expect(selectBackend('auto')).toBe('native')
  })
})

describe('backend selection without the addon', () => {
  it('shares the cores out: ⌊cores / workers⌋ threads each, at least one', () => {
    expect(threadsPerWorker('native', 1, 8)).toBe(8)
    expect(threadsPerWorker('native', 2, 8)).toBe(4)
    expect(threadsPerWorker('native', 3, 8)).toBe(2)
    expect(threadsPerWorker('native', 8, 2)).toBe(1)
    expect(threadsPerWorker('native', 0, 4)).toBe(4)
  })

  it('shares the cores out: workers × threads never exceeds them', () => {
    for (const cores of [1, 2, 8]) {
      for (const workers of [1, 2, 3, 8]) {
        const threads = threadsPerWorker('native', workers, cores)
        expect(threads).toBeGreaterThanOrEqual(1)
        if (workers <= cores) expect(workers * threads).toBeLessThanOrEqual(cores)
      }
    }
    expect(threadsPerWorker('snarkjs', 1, 8)).toBe(1)
  })
})

/** Byte offset of the value of the first A/B coefficient on this signal (zkey section 4). */
function coefficientOfSignal(zkey: Uint8Array, signal: number): number {
  const view = new DataView(zkey.buffer, zkey.byteOffset, zkey.byteLength)
  const start = sectionOffset(zkey, 4)
  for (let i = 0; i < view.getUint32(start, true); i++) {
    const entry = start + 4 + i * 44
    if (view.getUint32(entry + 8, true) === signal) return entry + 12
  }
  throw new Error(`no coefficient on signal ${signal}`)
}

/** Byte offset of the body of the first section of this type in a snarkjs binary file. */
function sectionOffset(bytes: Uint8Array, type: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 12
  for (let i = 0; i < view.getUint32(8, true); i++) {
    const kind = view.getUint32(offset, true)
    const length = Number(view.getBigUint64(offset + 4, true))
    if (kind === type) return offset + 12
    offset += 12 + length
  }
  throw new Error(`no section ${type}`)
}

/** A snarkjs binary file rebuilt from its sections, rearranged by `arrange`. */
function withSections(bytes: Uint8Array, arrange: (sections: { kind: number; body: Uint8Array }[]) => { kind: number; body: Uint8Array }[]): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const sections: { kind: number; body: Uint8Array }[] = []
  let offset = 12
  for (let i = 0; i < view.getUint32(8, true); i++) {
    const length = Number(view.getBigUint64(offset + 4, true))
    sections.push({ kind: view.getUint32(offset, true), body: bytes.subarray(offset + 12, offset + 12 + length) })
    offset += 12 + length
  }
  const arranged = arrange(sections)
  const out = new Uint8Array(12 + arranged.reduce((n, x) => n + 12 + x.body.length, 0))
  const o = new DataView(out.buffer)
  out.set(bytes.subarray(0, 8))
  o.setUint32(8, arranged.length, true)
  let at = 12
  for (const { kind, body } of arranged) {
    o.setUint32(at, kind, true)
    o.setBigUint64(at + 4, BigInt(body.length), true)
    out.set(body, at + 12)
    at += 12 + body.length
  }
  return out
}
