import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { VerifyError } from '../errors.js'
import { proveBatch } from '../prove/proveBatch.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { verifyProofs } from './verifyProofs.js'
import { verifyProofsOnChain } from './verifyProofsOnChain.js'

// The real snarkjs verifier, except that it throws for a proof whose pi_a[0] is "7": the stand-in
// for any failure of the verifier itself, which must surface as an error, never as "does not verify".
vi.mock('snarkjs', async (importOriginal) => {
  const snarkjs = await importOriginal<typeof import('snarkjs')>()
  return {
    ...snarkjs,
    groth16: {
      ...snarkjs.groth16,
      verify: (vk: unknown, signals: unknown, proof: { pi_a: string[] }, logger?: unknown) => {
        if (proof.pi_a[0] === '7') throw new Error('simulated verifier crash')
        return snarkjs.groth16.verify(vk, signals as string[], proof as never, logger as never)
      },
    },
  }
})

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

describe('verifyProofs on a real iris build', () => {
  let buildDir: string
  let lines: Record<string, unknown>[]
  const write = async (name: string, records: unknown[]) => {
    const path = join(buildDir, name)
    await writeFile(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n')
    return path
  }

  beforeAll(async () => {
    buildDir = await buildExample('iris')
    const inputs = join(buildDir, 'two.jsonl')
    await writeFile(inputs, (await readFile(examplePath('iris', 'inputs.jsonl'), 'utf8')).split('\n').slice(0, 2).join('\n') + '\n')
    const outPath = join(buildDir, 'proofs.jsonl')
    const result = await proveBatch({ buildDir, inputsPath: inputs, outPath, workers: 1, prover: PROVER })
    expect(result.failures).toEqual([])
    lines = (await readFile(outPath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  })
  afterAll(async () => {
    await releaseSnarkjs()
    if (buildDir) await rm(dirname(buildDir), { recursive: true, force: true })
  })

  it('accepts the proofs as written', async () => {
    const checks = await verifyProofs({ buildDir, proofsPath: await write('good.jsonl', lines) })
    expect(checks.map((c) => [c.valid, c.problems])).toEqual([[true, []], [true, []]])
  })

  it('rejects records whose claims are not what the proof proves, with the reason', async () => {
    const [first, second] = lines as [Record<string, unknown>, Record<string, unknown>]
    const outputQ = [...(first['outputQ'] as string[])]
    outputQ[0] = String(BigInt(outputQ[0]!) + 1n)
    const output = [...(second['output'] as number[])]
    output[1] = output[1]! + 1
    const tampered = [
      { ...first, id: 'q', outputQ },
      { ...second, id: 'f', output },
      { ...first, id: 'c', class: undefined },
      { ...second, id: 'k', vkeySha256: '0'.repeat(64) },
    ]
    const checks = await verifyProofs({ buildDir, proofsPath: await write('tampered.jsonl', tampered) })
    expect(checks.map((c) => c.valid)).toEqual([false, false, false, false])
    expect(checks[0]!.problems.join()).toMatch(/outputQ\[0\]/)
    expect(checks[1]!.problems.join()).toMatch(/output\[1\]/)
    expect(checks[2]!.problems.join()).toMatch(/no "class"/)
    expect(checks[3]!.problems.join()).toMatch(/another verification key/)
    // The proofs themselves still verify: only the claims around them are false.
    for (const c of checks) expect(c.problems.join()).not.toMatch(/Groth16 proof does not verify/)
  })

  it('says when the Groth16 proof itself fails', async () => {
    const [first] = lines as [Record<string, unknown>]
    const signals = [...(first['publicSignals'] as string[])]
    signals[signals.length - 1] = '1'
    const checks = await verifyProofs({ buildDir, proofsPath: await write('wrong-prover.jsonl', [{ ...first, publicSignals: signals }]) })
    expect(checks[0]!.valid).toBe(false)
    expect(checks[0]!.problems[0]).toMatch(/Groth16 proof does not verify/)
  })

  it('does not turn a verifier failure into "does not verify": a VerifyError naming the line', async () => {
    const [first, second] = lines as [Record<string, unknown>, Record<string, unknown>]
    const proof = { ...(second['proof'] as Record<string, unknown>), pi_a: ['7', '1', '1'] }
    const error = await verifyProofs({ buildDir, proofsPath: await write('crash.jsonl', [first, { ...second, proof }]), verifierBackend: 'snarkjs' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(VerifyError)
    expect((error as VerifyError).shortMessage).toMatch(/crash\.jsonl:2 \(id "[^"]+"\): the Groth16 verifier failed/)
    expect((error as VerifyError).details).toMatch(/simulated verifier crash/)
  })

  it('applies the same record checks on-chain: a false outputQ around a valid proof is not valid', async () => {
    const [first, second] = lines as [Record<string, unknown>, Record<string, unknown>]
    const outputQ = [...(first['outputQ'] as string[])]
    outputQ[1] = String(BigInt(outputQ[1]!) - 3n)
    const { checks } = await verifyProofsOnChain({ buildDir, proofsPath: await write('onchain.jsonl', [{ ...first, outputQ }, second]) })
    expect(checks.map((c) => c.valid)).toEqual([false, true])
    expect(checks[0]!.problems.join()).toMatch(/outputQ\[1\] = .* but the proof says/)
    expect(checks[0]!.problems.join()).not.toMatch(/verifier contract rejects/)
  })

  it('refuses an empty proofs file and a malformed line with typed errors', async () => {
    await expect(verifyProofs({ buildDir, proofsPath: await write('empty.jsonl', []) })).rejects.toThrow(/holds no proof records/)
    await expect(verifyProofs({ buildDir, proofsPath: await write('bad.jsonl', [lines[0], { id: 'x', publicSignals: 'nope' }]) })).rejects.toThrow(/bad\.jsonl:2: "publicSignals"/)
  })
})
