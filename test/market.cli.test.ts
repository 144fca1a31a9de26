/**
 * The market from the command line, on the embedded chain kept in the build folder between
 * commands: deploy → request → lock → fulfil → withdraw → status, and the chain client's safety
 * checks (issue 8.6). Runs the built CLI (`npx tsc -p tsconfig.build.json` first).
 */
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, buildExample, examplePath } from './support/exampleBuild.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'bin', 'glassbox.js')

async function glassbox(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', GLASSBOX_PRIVATE_KEY: '' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

let buildDir: string
let inputPath: string

beforeAll(async () => {
  buildDir = await buildExample('iris')
  inputPath = join(buildDir, 'in.json')
  const first = JSON.parse((await readFile(examplePath('iris', 'inputs.jsonl'), 'utf8')).split('\n')[0]!) as { input: number[] }
  await writeFile(inputPath, JSON.stringify({ input: first.input }))
}, 300_000)

afterAll(async () => {
  if (buildDir) await rm(dirname(buildDir), { recursive: true, force: true })
})

describe('glassbox market CLI on the embedded chain', () => {
  it('deploy, request, lock, fulfil, withdraw, status', async () => {
    const deployed = await glassbox('deploy', buildDir, '--json')
    expect(deployed.code, deployed.stderr).toBe(0)
    const d = JSON.parse(deployed.stdout) as { modelId: string; marketAddress: string; verifierContract: string; chainId: string }
    expect(d.verifierContract).toBe('IrisVerifier')
    const file = JSON.parse(await readFile(join(buildDir, 'deployment.json'), 'utf8'))
    expect(file.chains.embedded).toMatchObject({ embedded: true, market: d.marketAddress, modelId: d.modelId })

    const again = await glassbox('deploy', buildDir, '--registry', d.marketAddress, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ modelId: d.modelId, deployedVerifier: false })

    const requested = await glassbox('request', buildDir, '--input', inputPath, '--max-price', '1e15', '--min-price', '5e14', '--ramp', '60', '--json')
    expect(requested.code, requested.stderr).toBe(0)
    const requestId = (JSON.parse(requested.stdout) as { requestId: string }).requestId
    expect(requestId).toBe('1')

    const noStake = await glassbox('lock', buildDir, requestId)
    expect(noStake.code).toBe(2)
    expect(noStake.stderr).toMatch(/--stake/)
    const locked = await glassbox('lock', buildDir, requestId, '--stake', '5e14', '--json')
    expect(locked.code, locked.stderr).toBe(0)
    const price = BigInt((JSON.parse(locked.stdout) as { price: string }).price)

    const fulfilled = await glassbox('fulfil', buildDir, requestId, '--json')
    expect(fulfilled.code, fulfilled.stderr).toBe(0)
    expect(JSON.parse(fulfilled.stdout)).toMatchObject({ payout: price.toString(), late: false })
    const replay = await glassbox('fulfil', buildDir, requestId)
    expect(replay.code).not.toBe(0)
    expect(replay.stderr).toMatch(/Fulfilled/)

    const withdrawn = await glassbox('withdraw', '--build', buildDir, '--json')
    expect(withdrawn.code, withdrawn.stderr).toBe(0)
    // One account played requester and prover: the escrow the lock price left over comes back as
    // a refund; the price was paid into its free stake, next to the stake it deposited.
    const sent = JSON.parse(withdrawn.stdout) as { amount: string; stake: string }
    expect(BigInt(sent.amount)).toBe(10n ** 15n - price)
    expect(BigInt(sent.stake)).toBe(5n * 10n ** 14n + price)

    const status = await glassbox('status', requestId, '--build', buildDir, '--json')
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'Fulfilled', requestId })
    // The fulfilment's packed word, decoded with the build's manifest, is the answer fulfil printed.
    const answered = JSON.parse(fulfilled.stdout) as { output: number[]; class: number }
    expect(JSON.parse(status.stdout).answer).toEqual({ output: answered.output, class: answered.class })
  })

  it('a private request: salted hash, no input on-chain; lock and fulfil need the secret, and the salt is never printed', async () => {
    const secret = join(buildDir, 'secret.json')
    const noSecret = await glassbox('request', buildDir, '--input', inputPath, '--max-price', '1000', '--private')
    expect(noSecret.code).toBe(2)
    expect(noSecret.stderr).toMatch(/--private needs --secret-out/)
    const requested = await glassbox('request', buildDir, '--input', inputPath, '--max-price', '1000', '--private', '--secret-out', secret, '--json', '--verbose')
    expect(requested.code, requested.stderr).toBe(0)
    const r = JSON.parse(requested.stdout) as { requestId: string; inputHash: string; inputBytes: number; private: boolean }
    expect(r).toMatchObject({ inputBytes: 0, private: true })
    const written = JSON.parse(await readFile(secret, 'utf8')) as { input: number[]; salt: string }
    const salt = BigInt(written.salt)
    expect(salt).toBeGreaterThan(0n)
    const { stat } = await import('node:fs/promises')
    expect((await stat(secret)).mode & 0o777).toBe(0o600)
    // The hash is Poseidon(h, salt) of the quantized input, as the circuit computes it.
    const { hashRequestInput } = await import('../src/chain/requestInput.js')
    const { quantizeInput } = await import('../src/quantize/quantizeInput.js')
    const model = JSON.parse(await readFile(join(buildDir, 'model.json'), 'utf8'))
    const values = quantizeInput(model, written.input)
    expect(BigInt(r.inputHash)).toBe(await hashRequestInput({ values, bits: model.input.bits, salt }))
    expect(BigInt(r.inputHash)).not.toBe(await hashRequestInput({ values, bits: model.input.bits }))
    const again = await glassbox('request', buildDir, '--input', inputPath, '--max-price', '1000', '--private', '--secret-out', secret)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/exists/)

    const blind = await glassbox('lock', buildDir, r.requestId, '--stake', '1000')
    expect(blind.code).toBe(2)
    expect(blind.stderr).toMatch(/carries no input \(a private request\)/)
    const wrongSalt = join(buildDir, 'wrong-salt.json')
    await writeFile(wrongSalt, JSON.stringify({ input: written.input, salt: `0x${(salt + 1n).toString(16)}` }))
    const wrong = await glassbox('lock', buildDir, r.requestId, '--stake', '1000', '--input', wrongSalt)
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/does not hash to its claimed input hash/)
    const locked = await glassbox('lock', buildDir, r.requestId, '--stake', '1000', '--input', secret, '--verbose')
    expect(locked.code, locked.stderr).toBe(0)
    const fulfilled = await glassbox('fulfil', buildDir, r.requestId, '--input', secret, '--json', '--verbose')
    expect(fulfilled.code, fulfilled.stderr).toBe(0)
    const answer = JSON.parse(fulfilled.stdout) as { output: number[]; class: number }
    const { evaluateFixed } = await import('../src/quantize/evaluateFixed.js')
    expect(answer.class).toBe(evaluateFixed(model, values).argmax)
    for (const out of [requested, locked, fulfilled]) {
      for (const text of [out.stdout, out.stderr]) {
        expect(text).not.toContain(salt.toString())
        expect(text.toLowerCase()).not.toContain(salt.toString(16))
      }
    }
  })

  it('deploy --registry refuses an address that is not a GlassboxMarket before sending anything', async () => {
    const d = JSON.parse(await readFile(join(buildDir, 'deployment.json'), 'utf8')).chains.embedded as { verifier: string }
    const wrong = await glassbox('deploy', buildDir, '--registry', d.verifier)
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/not a GlassboxMarket/)
    expect(wrong.stderr).toMatch(/Nothing was sent/)
  })

  it('verify --onchain --verifier refuses code that is not the build’s Verifier.sol', async () => {
    const proofs = join(buildDir, 'proofs.jsonl')
    const proved = await glassbox('prove', buildDir, '--inputs', examplePath('iris', 'inputs.jsonl'), '--out', proofs, '--workers', '1')
    expect(proved.code, proved.stderr).toBe(0)
    // A node that keeps running, with a contract that is not this verifier on it.
    const { startAnvil } = await import('../src/chain/startAnvil.js')
    const anvil = await startAnvil()
    try {
      const d = JSON.parse((await glassbox('deploy', buildDir, '--rpc', anvil.rpcUrl, '--json')).stdout) as { marketAddress: string; verifierAddress: string }
      const mismatch = await glassbox('verify', buildDir, '--proofs', proofs, '--onchain', '--rpc', anvil.rpcUrl, '--verifier', d.marketAddress)
      expect(mismatch.code).toBe(1)
      expect(mismatch.stderr).toMatch(/is not the runtime code of this build's Verifier\.sol/)
      // An honest prover never locks a request whose input does not hash to its claimed hash.
      const { connectChain } = await import('../src/chain/connectChain.js')
      const { connectMarket } = await import('../src/chain/connectMarket.js')
      const { encodeRequestInput } = await import('../src/chain/requestInput.js')
      const chain = await connectChain({ rpcUrl: anvil.rpcUrl })
      const market = connectMarket({ address: d.marketAddress, signer: await chain.provider.getSigner(1) })
      const modelId = (JSON.parse(await readFile(join(buildDir, 'deployment.json'), 'utf8')).chains['31337'] as { modelId: string }).modelId
      const lie = await market.request({ modelId, weightSet: 0n, inputHash: 12345n, minPrice: 1n, collateral: 1n, rampSeconds: 0n, lockWindow: 600n, fulfilWindow: 1200n }, encodeRequestInput([1n, 2n, 3n, 4n], 16), 10n)
      await chain.close()
      const refusedLock = await glassbox('lock', buildDir, lie.requestId.toString(), '--rpc', anvil.rpcUrl, '--stake', '1')
      expect(refusedLock.code).toBe(2)
      expect(refusedLock.stderr).toMatch(/does not hash to its claimed input hash/)
      const still = JSON.parse((await glassbox('status', lie.requestId.toString(), '--rpc', anvil.rpcUrl, '--registry', d.marketAddress, '--json')).stdout) as { status: string }
      expect(still.status).toBe('Open')

      // request --wait returns the answer once another process has locked and fulfilled it.
      const waiting = glassbox('request', buildDir, '--input', inputPath, '--max-price', '1000', '--rpc', anvil.rpcUrl, '--wait', '--json')
      let id = ''
      for (let i = 0; i < 100 && !id; i++) {
        await new Promise((r) => setTimeout(r, 500))
        const s = await glassbox('status', (lie.requestId + 1n).toString(), '--rpc', anvil.rpcUrl, '--registry', d.marketAddress, '--json')
        if (s.code === 0) id = (lie.requestId + 1n).toString()
      }
      expect((await glassbox('lock', buildDir, id, '--rpc', anvil.rpcUrl, '--stake', '500')).code).toBe(0)
      expect((await glassbox('fulfil', buildDir, id, '--rpc', anvil.rpcUrl)).code).toBe(0)
      const waited = await waiting
      expect(waited.code, waited.stderr).toBe(0)
      const answer = JSON.parse(waited.stdout) as { status: string; answer: { output: number[]; class: number } }
      expect(answer.status).toBe('Fulfilled')
      const expected = JSON.parse((await readFile(proofs, 'utf8')).split('\n')[0]!) as { output: number[]; class: number }
      expect(answer.answer).toEqual({ output: expected.output, class: expected.class })
      expect((await glassbox('request', buildDir, '--input', inputPath, '--max-price', '1000', '--wait')).stderr).toMatch(/--wait needs --rpc/)

      const ok = await glassbox('verify', buildDir, '--proofs', proofs, '--onchain', '--rpc', anvil.rpcUrl, '--verifier', d.verifierAddress, '--json')
      expect(ok.code, ok.stderr).toBe(0)
      const result = JSON.parse(ok.stdout) as { onchain: { verificationGas?: string; checks: { valid: boolean }[] } }
      expect(result.onchain.checks.every((c) => c.valid)).toBe(true)
      // Not the embedded chain: no gas-measuring transaction unless asked.
      expect(result.onchain.verificationGas).toBeUndefined()
    } finally {
      await anvil.stop()
    }
  })

  it('refuses --rpc to another machine without --chain-id, and prints its URL redacted', async () => {
    const refused = await glassbox('status', '1', '--rpc', 'https://user:pw@rpc.example.invalid/v3/SECRETKEY', '--verbose')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/pass --chain-id/)
    expect(refused.stderr).not.toMatch(/SECRETKEY|pw@/)
  })
})
