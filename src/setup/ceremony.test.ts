import { createHash } from 'node:crypto'
import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildModel, encodeModel, node, tensor } from '../../test/support/buildOnnx.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, writeManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { main } from '../cli/main.js'
import { compileModel } from '../compile/compileModel.js'
import { SetupError } from '../errors.js'
import type { Logger } from '../logger.js'
import { proveBatch } from '../prove/proveBatch.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { verifyProofs } from '../verify/verifyProofs.js'
import { contributeKey } from './contributeKey.js'
import { readZkeyContributions } from './readZkeyContributions.js'
import { setupKeys } from './setupKeys.js'
import { verifySetup } from './verifySetup.js'
import { verifySetupTranscript } from './verifySetupTranscript.js'
import { warnIfSingleContribution } from './warnIfSingleContribution.js'

// Every byte string contributeKey draws from the OS, to check none of them is ever printed.
const issued = vi.hoisted(() => [] as string[])
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>()
  return {
    ...crypto,
    randomBytes: (size: number) => {
      const bytes = crypto.randomBytes(size)
      issued.push(bytes.toString('hex'))
      return bytes
    },
  }
})

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/** Runs the CLI in this process and returns its exit code and everything it wrote. */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  let output = ''
  const capture = (chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture)
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture)
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void capture(`${parts.join(' ')}\n`))
  try {
    return { code: await main(args), output }
  } finally {
    out.mockRestore()
    err.mockRestore()
    log.mockRestore()
  }
}

describe('phase-2 ceremony: contribute, beacon, verify, and the transcript in the manifest', () => {
  let root: string
  let buildDir: string
  let keysDir: string
  let inputsPath: string

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glassbox-ceremony-'))
    keysDir = join(root, 'keys')
    buildDir = join(root, 'build')
    // A 3 → 2 linear model with public inputs: a circuit of a few dozen constraints (dev ptau 2^6 or so).
    const model = buildModel({
      input: { name: 'x', shape: [1, 3] },
      output: { name: 'y', shape: [1, 2] },
      initializers: [tensor('W', [3, 2], [0.5, -0.25, 0.75, 0.5, -0.5, 0.25]), tensor('B', [2], [0.1, -0.2])],
      nodes: [node('Gemm', ['x', 'W', 'B'], ['y'])],
    })
    const modelPath = join(root, 'tiny.onnx')
    await writeFile(modelPath, encodeModel(model))
    const calibrationPath = join(root, 'calibration.jsonl')
    await writeFile(calibrationPath, ['[0.5,1,-1]', '[1,0.25,0.5]', '[-0.5,0.75,1]'].map((v, i) => JSON.stringify({ id: `c${i}`, input: JSON.parse(v) })).join('\n'))
    inputsPath = join(root, 'inputs.jsonl')
    await writeFile(inputsPath, `${JSON.stringify({ id: 'a', input: [0.25, -0.5, 1] })}\n`)
    await compileModel({ modelPath, calibrationPath, outDir: buildDir, name: 'tiny', inputVisibility: 'public', bits: 12 })
    await setupKeys({ buildDir, keysDir })
  })
  afterAll(async () => {
    await releaseSnarkjs()
    await rm(root, { recursive: true, force: true })
  })

  it('records setup as one contribution and warns that a single contribution can forge', async () => {
    const manifest = await readManifest(buildDir)
    expect(manifest.setup?.contributions).toHaveLength(1)
    expect(manifest.setup?.transcriptSha256).toMatch(/^[0-9a-f]{64}$/)
    expect(manifest.setup?.ptau.power).toBeLessThanOrEqual(10)
    const warnings: string[] = []
    const logger: Logger = { info() {}, debug() {}, warn: (m) => warnings.push(m) }
    await warnIfSingleContribution({ buildDir, logger })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/single contribution.*forge/)
  })

  it('adds contributions and a beacon through the CLI, never printing the entropy, and snarkjs zkey verify accepts the key', async () => {
    const marker = 'extra-entropy-marker-7f3a91'
    process.env.GLASSBOX_EXTRA_ENTROPY = marker
    issued.length = 0
    let alice
    try {
      alice = await cli(['setup', 'contribute', buildDir, '--name', 'alice', '--verbose'])
    } finally {
      delete process.env.GLASSBOX_EXTRA_ENTROPY
    }
    expect(alice.code, alice.output).toBe(0)
    expect(issued.length).toBeGreaterThan(0)
    expect(alice.output).not.toContain(marker)
    for (const secret of issued) expect(alice.output).not.toContain(secret)
    const afterAlice = await readManifest(buildDir)
    expect(afterAlice.setup?.contributions?.map((c) => c.name)).toEqual(['glassbox dev (INSECURE)', 'alice'])
    // The hash is printed the way snarkjs prints it (groups of 8 hex digits).
    const groups = afterAlice.setup!.contributions![1]!.hash.match(/.{8}/g)!
    for (const row of [0, 4, 8, 12]) expect(alice.output).toContain(groups.slice(row, row + 4).join(' '))

    await contributeKey({ buildDir, name: 'bob' })
    const beacon = await cli(['setup', 'beacon', buildDir, '--beacon', '0x0123456789abcdef0123456789abcdef', '--iterations', '10'])
    expect(beacon.code, beacon.output).toBe(0)

    const manifest = await readManifest(buildDir)
    const setup = manifest.setup!
    expect(setup.contributions!.map((c) => [c.name, c.type])).toEqual([
      ['glassbox dev (INSECURE)', 'contribution'],
      ['alice', 'contribution'],
      ['bob', 'contribution'],
      ['beacon', 'beacon'],
    ])
    expect(setup.contributions![3]!.beacon).toEqual({ hash: '0123456789abcdef0123456789abcdef', iterationsExp: 10 })
    // The verification key and the verifier were re-exported from the final key, and their hashes recorded.
    const paths = buildPaths(buildDir)
    expect(manifest.artifacts.zkey).toBe(await sha256File(paths.zkey))
    expect(manifest.artifacts.verificationKey).toBe(await sha256File(paths.verificationKey))
    expect(manifest.artifacts.verifier).toBe(await sha256File(paths.verifier))
    expect(JSON.parse(await readFile(paths.verificationKey, 'utf8'))).toEqual(await snarkjs.zKey.exportVerificationKey(paths.zkey, quiet))

    // snarkjs's own verification (what `snarkjs zkey verify` runs) accepts the whole chain, native dev key first.
    expect(await snarkjs.zKey.verifyFromR1cs(paths.r1cs, setup.ptau.file!, paths.zkey, quiet)).toBe(true)
    const verified = await cli(['setup', 'verify', buildDir, '--keys', keysDir])
    expect(verified.code, verified.output).toBe(0)
    expect(verified.output).toContain('key OK')
    expect(verified.output).toContain(setup.transcriptSha256)
    expect(verified.output).not.toMatch(/single contribution/)
  })

  it('computes each contribution hash as snarkjs does', async () => {
    const copy = join(root, 'extra.zkey')
    const hash = (await snarkjs.zKey.contribute(buildPaths(buildDir).zkey, copy, 'carol', 'some entropy', quiet)) as Uint8Array
    const read = await readZkeyContributions(copy)
    expect(read.contributions.at(-1)).toEqual({ name: 'carol', type: 'contribution', hash: Buffer.from(hash).toString('hex') })
    await rm(copy)
  })

  it('verifies proofs of the ceremony key, and refuses them once the transcript is missing or altered', async () => {
    const proofsPath = join(root, 'proofs.jsonl')
    const proved = await proveBatch({ buildDir, inputsPath, outPath: proofsPath, workers: 1 })
    expect(proved.proven).toBe(1)
    expect((await verifyProofs({ buildDir, proofsPath })).map((c) => c.valid)).toEqual([true])
    expect((await cli(['verify', buildDir, '--proofs', proofsPath])).code).toBe(0)

    const original = await readManifest(buildDir)
    const tamper = async (edit: (setup: NonNullable<Manifest['setup']>) => NonNullable<Manifest['setup']>, message: RegExp) => {
      await writeManifest(buildDir, { ...original, setup: edit(structuredClone(original.setup!)) })
      await expect(verifyProofs({ buildDir, proofsPath })).rejects.toThrow(SetupError)
      await expect(verifySetupTranscript({ buildDir })).rejects.toThrow(message)
      const run = await cli(['verify', buildDir, '--proofs', proofsPath])
      expect(run.code, run.output).toBe(2)
      expect(run.output).toMatch(message)
      await writeManifest(buildDir, original)
    }
    await tamper(({ contributions: _c, transcriptSha256: _t, ...rest }) => rest, /records no setup transcript/)
    await tamper((s) => ({ ...s, contributions: s.contributions!.slice(1) }), /transcriptSha256 is not the hash/)
    await tamper((s) => ({ ...s, contributions: s.contributions!.map((c, i) => (i === 1 ? { ...c, name: 'mallory' } : c)) }), /is "mallory"/)
    await tamper((s) => {
      // A consistent but foreign transcript: drop a contribution and recompute its SHA-256.
      const contributions = s.contributions!.filter((_, i) => i !== 2)
      return { ...s, contributions, transcriptSha256: sha256Hex(contributions.map((c) => c.hash)) }
    }, /lists 3 contribution\(s\), the key has 4/)
    // Without the proving key there is nothing to check the transcript against: refused, not skipped.
    const zkey = buildPaths(buildDir).zkey
    await rename(zkey, `${zkey}.away`)
    try {
      await expect(verifyProofs({ buildDir, proofsPath })).rejects.toThrow(/circuit.zkey is missing/)
    } finally {
      await rename(`${zkey}.away`, zkey)
    }
    expect((await verifyProofs({ buildDir, proofsPath })).map((c) => c.valid)).toEqual([true])
  })

  it("refuses a verification key that is not the key's, even with the manifest's hashes updated", async () => {
    const paths = buildPaths(buildDir)
    const original = await readManifest(buildDir)
    const savedVk = await readFile(paths.verificationKey)
    const other = join(root, 'other.zkey')
    await snarkjs.zKey.contribute(paths.zkey, other, 'eve', 'eve knows this', quiet)
    await writeFile(paths.verificationKey, `${JSON.stringify(await snarkjs.zKey.exportVerificationKey(other, quiet), null, 2)}\n`)
    await writeManifest(buildDir, { ...original, artifacts: { ...original.artifacts, verificationKey: await sha256File(paths.verificationKey) } })
    try {
      await expect(verifySetupTranscript({ buildDir })).rejects.toThrow(/not the one its transcript's last contribution produced/)
      await expect(verifySetup({ buildDir, keysDir })).rejects.toThrow(SetupError)
    } finally {
      await writeFile(paths.verificationKey, savedVk)
      await writeManifest(buildDir, original)
      await rm(other, { force: true })
    }
  })

  it('refuses a verification key whose α, β, γ, IC or e(α, β) was changed, even with δ intact and the manifest updated (native and snarkjs checks)', async () => {
    const paths = buildPaths(buildDir)
    const original = await readManifest(buildDir)
    const savedVk = await readFile(paths.verificationKey)
    // With γ = the G2 generator, whoever picks α, β or IC can forge proofs: δ alone must not pass.
    const g1 = ['1', '2', '1'] // the G1 generator: a valid point, not the key's
    const fields = ['vk_alpha_1', 'vk_beta_2', 'vk_gamma_2', 'IC', 'vk_alphabeta_12'] as const
    const forged = (vk: Record<string, unknown>, field: (typeof fields)[number]) => {
      const copy = JSON.parse(JSON.stringify(vk)) as Record<string, unknown>
      if (field === 'IC') (copy.IC as unknown[])[0] = g1
      else if (field === 'vk_alpha_1') copy.vk_alpha_1 = g1
      else if (field === 'vk_beta_2') copy.vk_beta_2 = copy.vk_delta_2 // a valid G2 point, not β
      else if (field === 'vk_gamma_2') copy.vk_gamma_2 = copy.vk_beta_2
      else (copy.vk_alphabeta_12 as string[][][])[0]![0]![0] = '1'
      return copy
    }
    try {
      for (const backend of ['auto', 'snarkjs'] as const) {
        await expect(verifySetupTranscript({ buildDir, backend }), backend).resolves.toMatchObject({ contributions: expect.any(Number) })
        for (const field of fields) {
          await writeFile(paths.verificationKey, `${JSON.stringify(forged(JSON.parse(savedVk.toString('utf8')) as Record<string, unknown>, field), null, 2)}\n`)
          await writeManifest(buildDir, { ...original, artifacts: { ...original.artifacts, verificationKey: await sha256File(paths.verificationKey) } })
          await expect(verifySetupTranscript({ buildDir, backend }), `${field} (${backend})`).rejects.toThrow(/not the one its transcript's last contribution produced/)
        }
        await writeFile(paths.verificationKey, savedVk)
        await writeManifest(buildDir, original)
      }
    } finally {
      await writeFile(paths.verificationKey, savedVk)
      await writeManifest(buildDir, original)
    }
  })

  it('refuses a ptau that is not the one the key was made from', async () => {
    const wrong = join(root, 'not-the-ptau.ptau')
    await copyFile(buildPaths(buildDir).r1cs, wrong)
    await expect(verifySetup({ buildDir, ptauPath: wrong })).rejects.toThrow(/not the powers of tau this key was made from/)
  })

  it('imports a --ptau only once snarkjs powersoftau verify accepts it, and a tampered one never', async () => {
    const good = (await readManifest(buildDir)).setup!.ptau.file!
    const bytes = await readFile(good)
    // Flip one bit of a Lagrange point (section 12): the structure is intact, the values are not.
    const tampered = join(root, 'tampered.ptau')
    const at = sectionStart(bytes, 12) + 64 * 3 + 7
    bytes[at] = bytes[at]! ^ 0x01
    await writeFile(tampered, bytes)
    const before = await sha256File(buildPaths(buildDir).zkey)
    // The key has ceremony contributions: a new setup is refused without force, and leaves the key as it was.
    await expect(setupKeys({ buildDir, ptauPath: good, keysDir })).rejects.toThrow(/would discard them/)
    await expect(setupKeys({ buildDir, ptauPath: tampered, keysDir, force: true })).rejects.toThrow(/failed verification/)
    expect(await sha256File(buildPaths(buildDir).zkey)).toBe(before)

    const imported = await setupKeys({ buildDir, ptauPath: good, keysDir, force: true })
    expect(imported.manifest.setup?.ptau).toMatchObject({ source: 'imported', insecure: false })
    expect(imported.manifest.setup?.contributions).toHaveLength(1)
    expect((await verifySetup({ buildDir })).contributions).toHaveLength(1)
  })

  it('refuses a bad beacon and an out-of-range exponent before touching the key', async () => {
    const before = await sha256File(buildPaths(buildDir).zkey)
    expect((await cli(['setup', 'beacon', buildDir, '--beacon', 'xyz', '--iterations', '10'])).code).toBe(2)
    expect((await cli(['setup', 'beacon', buildDir, '--beacon', 'abcd', '--iterations', '9'])).code).toBe(2)
    expect(await sha256File(buildPaths(buildDir).zkey)).toBe(before)
  })
})

function sha256Hex(hashes: string[]): string {
  return createHash('sha256').update(Buffer.concat(hashes.map((h) => Buffer.from(h, 'hex')))).digest('hex')
}

/** Where the body of the section of this type starts in a snarkjs binary file. */
function sectionStart(bytes: Buffer, type: number): number {
  let offset = 12
  for (let i = 0; i < bytes.readUInt32LE(8); i++) {
    if (bytes.readUInt32LE(offset) === type) return offset + 12
    offset += 12 + Number(bytes.readBigUInt64LE(offset + 4))
  }
  throw new Error(`no section ${type}`)
}
