import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Tree } from '../artifacts/sha256Tree.js'
import { CompileError } from '../errors.js'
import { buildWitnessBinary } from './buildWitnessBinary.js'
import { findWitnessToolchain } from './findWitnessToolchain.js'
import { generateCppWitnessSource } from './generateCppWitnessSource.js'
import { openWitnessBinary } from './runWitnessBinary.js'

const toolchain = await findWitnessToolchain()
if (!toolchain.ok) console.warn(`skipping native witness build tests: ${toolchain.reason}`)

// value = 2^8 · hi + lo with hi a bit and lo's bits checked by glassbox's BitsOf: 0 ≤ value < 512.
const SOURCE = `pragma circom 2.1.0;
include "glassbox.circom";
template Split() {
    signal input value;
    signal output hi;
    component lo = BitsOf(8);
    hi <-- value >> 8;
    hi * (hi - 1) === 0;
    lo.value <== value - hi * 256;
}
component main = Split();
`

describe('generateCppWitnessSource + buildWitnessBinary', () => {
  let work: string
  let cppDir: string
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'glassbox-witness-build-'))
    cppDir = join(work, 'circuit_cpp')
  })
  afterAll(() => rm(work, { recursive: true, force: true }))

  it("writes circom's C++ and names it by the SHA-256 of its files", async () => {
    const { sourceSha256 } = await generateCppWitnessSource({ source: SOURCE, cppDir, optimization: 1 })
    expect((await readdir(cppDir)).sort()).toEqual(expect.arrayContaining(['calcwit.cpp', 'circuit.cpp', 'circuit.dat', 'fr.asm', 'fr.cpp', 'main.cpp']))
    expect(sourceSha256).toBe(await sha256Tree(cppDir))
  })

  it.skipIf(!toolchain.ok)('builds once for concurrent callers, then serves from the cache', async () => {
    const cacheDir = join(work, 'cache')
    const [a, b] = await Promise.all([buildWitnessBinary({ cppDir, cacheDir }), buildWitnessBinary({ cppDir, cacheDir })])
    expect([a.cached, b.cached].sort()).toEqual([false, true])
    expect(a.info).toEqual(b.info)
    const again = await buildWitnessBinary({ cppDir, cacheDir })
    expect(again.cached).toBe(true)
    expect(again.dir).toBe(a.dir)
    // Only the finished entry is left: no lock, no temporary folder.
    expect(await readdir(join(cacheDir, a.info.sourceSha256))).toEqual([a.dir.split('/').at(-1)])

    const runner = await openWitnessBinary(a.binary)
    const wtns = await runner.run({ value: String(256 + 7) })
    expect(Buffer.from(wtns.subarray(0, 4)).toString()).toBe('wtns')
    await expect(runner.run({ value: String(1 << 20) })).rejects.toThrow(/exited/) // hi = 4096: the assert aborts the process
    expect(Buffer.from(await runner.run({ value: '42' })).equals(Buffer.from(wtns))).toBe(false) // a new process after the crash
    await runner.close()

    // One-shot mode, circom's arguments: the same witness, exit 0 (circom's own main aborts with a double free here).
    await writeFile(join(work, 'input.json'), JSON.stringify({ value: String(256 + 7) }))
    await promisify(execFile)(a.binary, [join(work, 'input.json'), join(work, 'out.wtns')])
    expect(Buffer.from(await readFile(join(work, 'out.wtns'))).equals(Buffer.from(wtns))).toBe(true)
    await writeFile(join(work, 'partial.json'), JSON.stringify({}))
    await expect(promisify(execFile)(a.binary, [join(work, 'partial.json'), join(work, 'none.wtns')])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not all inputs have been set/) })
  })

  it('fails with a CompileError naming the missing source', async () => {
    await expect(buildWitnessBinary({ cppDir: join(work, 'nowhere'), cacheDir: join(work, 'cache') })).rejects.toThrow(CompileError)
  })
})
