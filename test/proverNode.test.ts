/**
 * Prover nodes on anvil (issue 11): two `glassbox node` processes and one requester answer every
 * request exactly once, with every wei accounted for; a node SIGKILLed mid-proof and restarted
 * resumes from its journal, proves and fulfils the request it holds, and never locks it twice.
 * Runs the built CLI and library (`npx tsc -p tsconfig.build.json` first).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HDNodeWallet, Mnemonic, Wallet, type TransactionReceipt } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectChain, type ConnectChainReturnType } from '../src/chain/connectChain.js'
import { connectMarket, type MarketContract } from '../src/chain/connectMarket.js'
import { deployModel } from '../src/chain/deployModel.js'
import { startAnvil, type StartAnvilReturnType } from '../src/chain/startAnvil.js'
import { requestInference } from '../src/market/requestInference.js'
import { waitForFulfilment } from '../src/market/waitForFulfilment.js'
import { journalPath, readNodeJournal } from '../src/node/openNodeJournal.js'
import { summarizeNodeJournal } from '../src/node/summarizeNodeJournal.js'
import { ROOT, buildExample, examplePath } from './support/exampleBuild.js'
import { makeTempDir } from './support/tempDirs.js'

const BIN = join(ROOT, 'bin', 'glassbox.js')
const CHILD = join(ROOT, 'test', 'support', 'proverNodeChild.mjs')
const MNEMONIC = Mnemonic.fromPhrase('test test test test test test test test test test test junk')
/** anvil's dev accounts: 0 deploys, 1 and 2 prove, 3 requests. */
const key = (i: number) => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`).privateKey
const STAKE = 10n ** 16n
const MAX_PRICE = 10n ** 15n

let anvil: StartAnvilReturnType
let buildDir: string
let requester: ConnectChainReturnType
let market: MarketContract
let inputs: number[][]
const children = new Set<ChildProcess>()

type Node = { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

function startNode(command: string[], privateKey: string, env: Record<string, string> = {}): Node {
  const child = spawn(process.execPath, command, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', GLASSBOX_PRIVATE_KEY: privateKey, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))))
  return { child, stdout: () => out, stderr: () => err, exited }
}

const cliNode = (stateDir: string, privateKey: string, extra: string[] = []) =>
  startNode([BIN, 'node', '--rpc', anvil.rpcUrl, '--models', buildDir, '--state', stateDir, '--stake', STAKE.toString(), '--price-floor', '1e13', '--price-per-second', '0', '--poll', '200', '--json', ...extra], privateKey)

/** Runs the CLI to its end; resolves with stdout (exit 0), else rejects with stderr. */
function run(bin: string, args: string[], privateKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', GLASSBOX_PRIVATE_KEY: privateKey } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`glassbox ${args[0]} exited ${code}: ${err}`))))
  })
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function post(input: number[]) {
  return requestInference({ buildDir, chain: requester, input, maxPrice: MAX_PRICE, minPrice: (MAX_PRICE * 3n) / 4n, rampSeconds: 30n, collateral: MAX_PRICE / 2n, lockWindow: 600n })
}

async function eventsOf(name: 'Locked' | 'Fulfilled', requestId: bigint) {
  return market.contract.queryFilter(market.contract.filters[name]!(requestId), 0)
}

const fee = (r: TransactionReceipt | null) => (r ? r.gasUsed * r.gasPrice : 0n)

beforeAll(async () => {
  buildDir = await buildExample('iris')
  anvil = await startAnvil({ args: ['--accounts', '4'] })
  const owner = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: key(0) })
  try {
    await deployModel({ buildDir, chain: owner })
  } finally {
    await owner.close()
  }
  requester = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: key(3) })
  const deployment = JSON.parse(await readFile(join(buildDir, 'deployment.json'), 'utf8')) as { chains: Record<string, { market: string }> }
  market = connectMarket({ address: deployment.chains['31337']!.market, provider: requester.provider })
  inputs = (await readFile(examplePath('iris', 'inputs.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { input: number[] }).input)
}, 300_000)

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await requester?.close()
  await anvil?.stop()
})

describe('prover nodes on anvil', () => {
  it('two nodes and a requester: every request answered exactly once, balances to the wei', async () => {
    const states = [makeTempDir('glassbox-node-a-'), makeTempDir('glassbox-node-b-')]
    const provers = [new Wallet(key(1)).address, new Wallet(key(2)).address]
    const nodes = [cliNode(states[0]!, key(1)), cliNode(states[1]!, key(2))]
    await until('both nodes serving', () => nodes.every((n) => /serving iris/.test(n.stderr())))
    const me = await requester.signer.getAddress()
    const ethBefore = await requester.provider.getBalance(me)

    const N = 6
    let fees = 0n
    const posted = []
    for (const input of inputs.slice(0, N)) {
      const r = await post(input)
      fees += fee(await requester.provider.getTransactionReceipt(r.txHash))
      posted.push(r)
    }
    const answers = await Promise.all(posted.map((r) => waitForFulfilment({ buildDir, chain: requester, requestId: r.requestId, timeoutMs: 120_000 })))
    for (const a of answers) {
      expect(a.status).toBe('Fulfilled')
      expect(a.answer?.output).toHaveLength(3)
      expect(provers).toContain(a.prover)
      expect(await eventsOf('Locked', a.requestId)).toHaveLength(1)
      expect(await eventsOf('Fulfilled', a.requestId)).toHaveLength(1)
    }

    for (const n of nodes) n.child.kill('SIGTERM')
    expect(await Promise.all(nodes.map((n) => n.exited)), nodes.map((n) => n.stderr()).join('\n')).toEqual([0, 0])
    const summaries = nodes.map((n) => JSON.parse(n.stdout()) as { fulfilled: number; proofs: number; duplicateProofs: number; earnedWei: string })
    expect(summaries.reduce((s, x) => s + x.fulfilled, 0)).toBe(N)
    expect(summaries.reduce((s, x) => s + x.proofs, 0)).toBe(N)
    expect(summaries.map((x) => x.duplicateProofs)).toEqual([0, 0])

    // Every wei: each prover's stake is its deposit plus its lock prices; the requester got back
    // what the lock prices left of its escrow; the market holds exactly stakes + refunds.
    const lockPrice = new Map<bigint, bigint>()
    for (const a of answers) lockPrice.set(a.requestId, ((await eventsOf('Locked', a.requestId))[0] as unknown as { args: { price: bigint } }).args.price)
    for (const [i, prover] of provers.entries()) {
      const earned = answers.filter((a) => a.prover === prover).reduce((s, a) => s + lockPrice.get(a.requestId)!, 0n)
      expect(await market.stakeOf(prover)).toEqual({ free: STAKE + earned, locked: 0n })
      expect(BigInt(summaries[i]!.earnedWei)).toBe(earned)
    }
    const refund = answers.reduce((s, a) => s + MAX_PRICE - lockPrice.get(a.requestId)!, 0n)
    expect(await market.balanceOf(me)).toBe(refund)
    expect(ethBefore - (await requester.provider.getBalance(me))).toBe(BigInt(N) * MAX_PRICE + fees)
    const stakes = (await market.stakeOf(provers[0]!)).free + (await market.stakeOf(provers[1]!)).free
    expect(await requester.provider.getBalance(market.address)).toBe(stakes + refund)
  }, 240_000)

  it('a node SIGKILLed mid-proof resumes from its journal and, stopped at once, still proves and fulfils what it holds; never locks twice', async () => {
    const state = makeTempDir('glassbox-node-victim-')
    const victim = startNode([CHILD, anvil.rpcUrl, buildDir, state], key(1), { GLASSBOX_TEST_HANG_PROOFS: '1' })
    await until('the victim serving', () => /serving iris/.test(victim.stderr()))
    const { requestId } = await post(inputs[6]!)
    await until('the victim proving', () => victim.stdout().includes(`PROVING request-${requestId}`))
    victim.child.kill('SIGKILL')
    await victim.exited
    const killed = summarizeNodeJournal(await readNodeJournal(journalPath(state)))
    expect(killed.open).toEqual([{ id: requestId, state: 'proving', model: expect.any(String) }])
    const onChain = await market.requests(requestId)
    expect(onChain.status).toBe('Locked')

    // Restarted, and told to stop as soon as it has read its journal: a SIGTERM takes no new work
    // but finishes what the node holds (the market has no unlock), so it proves and fulfils first.
    const restarted = cliNode(state, key(1))
    await until('the journal resumed', () => new RegExp(`resuming: 1 request\\(s\\) in progress .*\\(${requestId}\\)`).test(restarted.stderr()))
    restarted.child.kill('SIGTERM')
    expect(await restarted.exited, restarted.stderr()).toBe(0)
    expect(restarted.stderr()).toMatch(new RegExp(`stopping: no new locks; finishing 1 locked request\\(s\\) \\(${requestId}\\)`))
    const answer = await waitForFulfilment({ buildDir, chain: requester, requestId, timeoutMs: 10_000 })
    expect(answer.prover).toBe(onChain.locker)
    expect(answer.fulfilment?.late).toBe(false)

    expect(await eventsOf('Locked', requestId)).toHaveLength(1)
    const lines = (await readFile(journalPath(state), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { t: string; id?: string; state?: string })
    expect(lines.filter((l) => l.t === 'request' && l.id === String(requestId) && l.state === 'locking')).toHaveLength(1)
    const summary = JSON.parse(restarted.stdout()) as { fulfilled: number; proofs: number; duplicateProofs: number; starts: number }
    expect(summary).toMatchObject({ fulfilled: 1, proofs: 1, duplicateProofs: 0, starts: 2 })
  }, 240_000)

  it('request --wait, metrics, scheduled withdrawals, node status, and an RPC that goes away (said by its URL, no key printed; SIGTERM still stops it)', async () => {
    const state = makeTempDir('glassbox-node-metrics-')
    const node = cliNode(state, key(2), ['--metrics-port', '0', '--withdraw-every', '1'])
    await until('metrics served', () => /metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/.test(node.stderr()))
    const url = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(node.stderr())![1]!
    // The requester's side from the command line: request --wait follows it to a verified answer.
    const inputFile = join(state, 'in.json')
    await writeFile(inputFile, JSON.stringify({ input: inputs[7] }))
    const requested = await run(BIN, ['request', buildDir, '--rpc', anvil.rpcUrl, '--input', inputFile, '--max-price', MAX_PRICE.toString(), '--min-price', ((MAX_PRICE * 3n) / 4n).toString(), '--wait', '--wait-timeout', '120', '--json'], key(3))
    const answer = JSON.parse(requested) as { status: string; prover: string; latencySeconds: number; answer: { output: number[]; class: number }; fulfilment: { payout: string } }
    expect(answer).toMatchObject({ status: 'Fulfilled', prover: new Wallet(key(2)).address, latencySeconds: expect.any(Number) })
    expect(answer.answer.output).toHaveLength(3)
    await until('the fulfilment counted', async () => /glassbox_node_requests_fulfilled_total 1\b/.test(await (await fetch(url)).text()))
    const metrics = await (await fetch(url)).text()
    for (const name of ['requests_seen_total', 'requests_locked_total 1', 'requests_slashed_total 0', 'earnings_wei_total', 'proofs_total 1', 'proofs_per_minute']) expect(metrics).toContain(`glassbox_node_${name}`)

    // Earnings above --stake are withdrawn on schedule (every second here).
    await until('earnings withdrawn', async () => (await market.stakeOf(answer.prover)).free === STAKE)
    await until('the withdrawal journaled', async () => (await readFile(journalPath(state), 'utf8')).includes('"t":"withdraw"'))
    const status = JSON.parse(await run(BIN, ['node', 'status', '--state', state, '--json'], '')) as { withdrawnWei: string }
    expect(status).toMatchObject({ fulfilled: 1, locked: 1, duplicateProofs: 0, open: [] })
    expect(BigInt(status.withdrawnWei)).toBeGreaterThanOrEqual(BigInt(answer.fulfilment.payout))

    await anvil.stop()
    await until('the RPC failure reported', () => /RPC at http:\/\/127\.0\.0\.1:\d+ is failing \(.*\); retrying in 1 s/.test(node.stderr()))
    node.child.kill('SIGTERM')
    expect(await node.exited, node.stderr()).toBe(0)
    expect(node.stderr() + node.stdout()).not.toContain(key(2).slice(2))
  }, 240_000)
})
