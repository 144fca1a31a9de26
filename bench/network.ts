/**
 * A network of prover nodes on one anvil (issue 11): 4 `glassbox node` processes of different
 * speeds and price floors, a requester posting N requests over the given models, then one node
 * SIGKILLed mid-proof. Measures request-to-answer latency (median, p95), each node's share of
 * requests and rewards, duplicate proofs (must be 0), slashes and gas per request lifecycle, and
 * what became of the killed node's request.
 *
 *   npm run build && npm run bench:network                                     # 40 requests, iris + digits_cnn
 *   npm run build && nice npm run bench:network -- --requests 8 --models iris  # a small run
 *   npm run build && npm run bench:network -- --models iris,lenet5            # LeNet-5 (8/6 bits) and iris
 *
 * Nodes run from dist/ (build first). anvil mines a block every second (`--block-time 1`), as a
 * chain does: deadlines pass on an idle chain too. Writes bench/results/network-<stamp>.{json,md}.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HDNodeWallet, Mnemonic, Wallet } from 'ethers'
import { compileModel } from '../src/compile/compileModel.js'
import { connectChain, type ConnectChainReturnType } from '../src/chain/connectChain.js'
import { connectMarket, type MarketContract } from '../src/chain/connectMarket.js'
import { deployModel } from '../src/chain/deployModel.js'
import { startAnvil } from '../src/chain/startAnvil.js'
import { requestInference } from '../src/market/requestInference.js'
import { waitForFulfilment } from '../src/market/waitForFulfilment.js'
import { journalPath, readNodeJournal } from '../src/node/openNodeJournal.js'
import { summarizeNodeJournal } from '../src/node/summarizeNodeJournal.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { round } from './measure.js'
import { fileStamp, machineInfo } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const KEYS_DIR = join(ROOT, 'keys')
const BIN = join(ROOT, 'bin', 'glassbox.js')
const log = (m: string) => process.stderr.write(`[bench:network] ${m}\n`)
const MNEMONIC = Mnemonic.fromPhrase('test test test test test test test test test test test junk')
const key = (i: number) => HDNodeWallet.fromMnemonic(MNEMONIC, `m/44'/60'/0'/0/${i}`).privateKey

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback
}
const REQUESTS = Number(arg('requests', '40'))
const MODELS = arg('models', 'iris,digits_cnn').split(',')
const INTERVAL_MS = Number(arg('interval', '500'))
const KILL = !process.argv.includes('--no-kill')

/** The four nodes: workers and price floors differ (wei; every node adds its gas at the current price). */
const NODES = [
  { name: 'A', workers: 1, floor: '1e14', perSecond: '1e12' },
  { name: 'B', workers: 1, floor: '4e14', perSecond: '1e12' },
  { name: 'C', workers: 2, floor: '2e14', perSecond: '2e12' },
  { name: 'D', workers: 2, floor: '8e14', perSecond: '1e12' },
]
const MAX_PRICE = 3n * 10n ** 15n
const MIN_PRICE = 2n * 10n ** 14n
const STAKE = 5n * 10n ** 16n

type RunningNode = { name: string; address: string; stateDir: string; child: ChildProcess; stderr: string; exited: Promise<number | null> }

function startNode(spec: (typeof NODES)[number], index: number, rpcUrl: string, builds: string[], workDir: string): RunningNode {
  const stateDir = join(workDir, `node-${spec.name}`)
  const privateKey = key(index + 1)
  const args = [BIN, 'node', '--rpc', rpcUrl, '--models', builds.join(','), '--state', stateDir, '--stake', STAKE.toString(), '--workers', String(spec.workers), '--price-floor', spec.floor, '--price-per-second', spec.perSecond, '--poll', '250', '--late-slot', '10', '--json']
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, GLASSBOX_PRIVATE_KEY: privateKey }, stdio: ['ignore', 'ignore', 'pipe'] })
  const node: RunningNode = { name: spec.name, address: new Wallet(privateKey).address, stateDir, child, stderr: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) }
  child.stderr!.on('data', (d: Buffer) => (node.stderr += d.toString()))
  return node
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : Number.NaN
}
const median = (values: readonly number[]) => quantile(values, 0.5)
const eth = (wei: bigint) => round(Number(wei) / 1e18, 6)

async function receiptGas(chain: ConnectChainReturnType, txHash: string): Promise<bigint> {
  return (await chain.provider.getTransactionReceipt(txHash))?.gasUsed ?? 0n
}

async function lockOf(market: MarketContract, requestId: bigint) {
  const logs = await market.contract.queryFilter(market.contract.filters.Locked!(requestId), 0)
  return logs.map((l) => ({ txHash: l.transactionHash, prover: (l as unknown as { args: { prover: string; price: bigint } }).args.prover, price: (l as unknown as { args: { price: bigint } }).args.price }))
}

const started = new Date()
const workDir = await mkdtemp(join(tmpdir(), 'glassbox-network-'))
const nodes: RunningNode[] = []
const anvil = await startAnvil({ args: ['--accounts', '8', '--block-time', '1'] })
try {
  const builds: string[] = []
  for (const name of MODELS) {
    const buildDir = join(workDir, name)
    log(`building ${name}`)
    // LeNet-5 at its documented setting (8-bit activations, 6-bit weights: 2^17 powers of tau, within 0.5 points of float).
    const bits = name === 'lenet5' ? { bits: 8, weightBits: 6 } : {}
    await compileModel({ modelPath: join(ROOT, 'examples', name, 'model.onnx'), calibrationPath: join(ROOT, 'examples', name, 'calibration.jsonl'), outDir: buildDir, name, ...bits })
    await setupKeys({ buildDir, keysDir: KEYS_DIR })
    await releaseSnarkjs()
    builds.push(buildDir)
  }
  const owner = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: key(0) })
  let marketAddress: string | undefined
  for (const buildDir of builds) marketAddress = (await deployModel({ buildDir, chain: owner, marketAddress })).marketAddress
  await owner.close()
  const requester = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: key(7) })
  const market = connectMarket({ address: marketAddress!, provider: requester.provider })

  NODES.forEach((spec, i) => nodes.push(startNode(spec, i, anvil.rpcUrl, builds, workDir)))
  await until('4 nodes serving', () => nodes.every((n) => /node 0x[0-9a-fA-F]+ serving/.test(n.stderr)), 600_000)
  log(`4 nodes serving ${MODELS.join(', ')}`)

  const inputs = await Promise.all(MODELS.map(async (m) => (await readFile(join(ROOT, 'examples', m, 'test.jsonl'), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { input: number[] }).input)))
  type Outcome = { requestId: bigint; model: string; requestGas: bigint; latencyMs: number; chainLatencySeconds: number; prover: string; payout: bigint; late: boolean; fulfilTx: string }
  const pending: Promise<Outcome>[] = []
  const phaseStart = Date.now()
  for (let i = 0; i < REQUESTS; i++) {
    const m = i % MODELS.length
    const buildDir = builds[m]!
    const posted = await requestInference({ buildDir, chain: requester, input: inputs[m]![Math.floor(i / MODELS.length) % inputs[m]!.length]!, maxPrice: MAX_PRICE, minPrice: MIN_PRICE, rampSeconds: 20n, collateral: 10n ** 15n, lockWindow: 120n, fulfilWindow: 300n })
    pending.push(
      waitForFulfilment({ buildDir, chain: requester, requestId: posted.requestId, timeoutMs: 600_000, pollMs: 250 }).then((w) => ({
        requestId: posted.requestId,
        model: MODELS[m]!,
        requestGas: posted.gasUsed,
        latencyMs: w.waitedMs,
        chainLatencySeconds: w.latencySeconds ?? Number.NaN,
        prover: w.prover ?? '',
        payout: w.fulfilment?.payout ?? 0n,
        late: w.fulfilment?.late ?? false,
        fulfilTx: w.fulfilment?.txHash ?? '',
      })),
    )
    await new Promise((r) => setTimeout(r, INTERVAL_MS))
  }
  const outcomes = await Promise.all(pending)
  const phaseSeconds = (Date.now() - phaseStart) / 1000
  log(`${outcomes.length} requests answered in ${phaseSeconds.toFixed(1)} s`)

  const locks = new Map<bigint, Awaited<ReturnType<typeof lockOf>>>()
  for (const o of outcomes) locks.set(o.requestId, await lockOf(market, o.requestId))
  const gasRows: { model: string; request: bigint; lock: bigint; fulfil: bigint }[] = []
  for (const o of outcomes) {
    const lock = locks.get(o.requestId)![0]
    gasRows.push({ model: o.model, request: o.requestGas, lock: lock ? await receiptGas(requester, lock.txHash) : 0n, fulfil: await receiptGas(requester, o.fulfilTx) })
  }

  // The kill: a node holding a request, SIGKILLed the moment its journal says it is proving it.
  let kill: Record<string, unknown> | undefined
  if (KILL) {
    const m = MODELS.length - 1
    const journals = () => Promise.all(nodes.filter((n) => n.child.exitCode === null).map(async (n) => ({ n, text: await readFile(journalPath(n.stateDir), 'utf8').catch(() => '') })))
    for (let attempt = 1; attempt <= 3 && !kill; attempt++) {
      const posted = await requestInference({ buildDir: builds[m]!, chain: requester, input: inputs[m]![attempt]!, maxPrice: MAX_PRICE, minPrice: MIN_PRICE, rampSeconds: 20n, collateral: 10n ** 15n, lockWindow: 30n, fulfilWindow: 150n })
      const marker = `"id":"${posted.requestId}","state":"proving"`
      let victim: RunningNode | undefined
      await until(`a node proving request ${posted.requestId}`, async () => {
        victim = (await journals()).find((j) => j.text.includes(marker))?.n
        return victim !== undefined
      }, 120_000)
      victim!.child.kill('SIGKILL')
      await victim!.exited
      const state = await market.requests(posted.requestId)
      if (state.status !== 'Locked') {
        log(`attempt ${attempt}: node ${victim!.name} was killed after answering request ${posted.requestId} (${state.status}); restarting it and trying again`)
        nodes[nodes.indexOf(victim!)] = startNode(NODES.find((s) => s.name === victim!.name)!, NODES.findIndex((s) => s.name === victim!.name), anvil.rpcUrl, builds, workDir)
        await until('the node serving again', () => /node 0x[0-9a-fA-F]+ serving/.test(nodes.find((n) => n.name === victim!.name)!.stderr), 600_000)
        continue
      }
      log(`killed node ${victim!.name} mid-proof of request ${posted.requestId}; waiting for its lock deadline (30 s) and a late answer`)
      const killedAt = Date.now()
      const w = await waitForFulfilment({ buildDir: builds[m]!, chain: requester, requestId: posted.requestId, timeoutMs: 400_000, pollMs: 250 })
      const slashed = await market.contract.queryFilter(market.contract.filters.Slashed!(posted.requestId), 0)
      kill = {
        requestId: posted.requestId.toString(),
        model: MODELS[m],
        victim: victim!.name,
        outcome: w.status,
        servedBy: nodes.find((n) => n.address === w.prover)?.name ?? w.prover ?? null,
        late: w.fulfilment?.late ?? null,
        slashedCollateralWei: slashed.length ? String((slashed[0] as unknown as { args: { collateral: bigint } }).args.collateral) : '0',
        secondsFromKillToAnswer: round((Date.now() - killedAt) / 1000, 1),
        locks: (await lockOf(market, posted.requestId)).length,
      }
    }
  }

  for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGTERM')
  await Promise.all(nodes.map((n) => n.exited))
  const states = await Promise.all(nodes.map(async (n) => ({ n, state: await readNodeJournal(journalPath(n.stateDir)) })))
  const summaries = states.map(({ n, state }) => ({ n, s: summarizeNodeJournal(state) }))
  // Work done twice: every proof of a request beyond its first, over all nodes.
  const proofsPerRequest = new Map<string, number>()
  for (const { state } of states) for (const [id, r] of state.requests) proofsPerRequest.set(id, (proofsPerRequest.get(id) ?? 0) + r.proofs)
  const proofsMade = [...proofsPerRequest.values()].reduce((a, b) => a + b, 0)
  const duplicateProofs = [...proofsPerRequest.values()].reduce((a, b) => a + Math.max(0, b - 1), 0)
  const slashes = (await market.contract.queryFilter(market.contract.filters.Slashed!(), 0)).length

  const latencies = outcomes.map((o) => o.latencyMs / 1000)
  const perNode = NODES.map((spec) => {
    const address = nodes.find((n) => n.name === spec.name)!.address
    const mine = outcomes.filter((o) => o.prover === address)
    const reward = mine.reduce((s, o) => s + o.payout, 0n)
    const summary = summaries.find(({ n }) => n.name === spec.name)!.s
    return { node: spec.name, address, workers: spec.workers, priceFloorWei: spec.floor, pricePerSecondWei: spec.perSecond, requests: mine.length, share: round(mine.length / outcomes.length, 3), rewardWei: reward.toString(), rewardShare: 0, proofs: summary.proofs, duplicateProofs: summary.duplicateProofs, meanProofMs: summary.meanProofMs === null ? null : Math.round(summary.meanProofMs) }
  })
  const totalReward = perNode.reduce((s, r) => s + BigInt(r.rewardWei), 0n)
  for (const r of perNode) r.rewardShare = totalReward ? round(Number(BigInt(r.rewardWei)) / Number(totalReward), 3) : 0
  const gasByModel = MODELS.map((model) => {
    const rows = gasRows.filter((g) => g.model === model)
    const med = (f: (g: (typeof rows)[number]) => bigint) => median(rows.map((g) => Number(f(g))))
    return { model, requests: rows.length, request: med((g) => g.request), lock: med((g) => g.lock), fulfil: med((g) => g.fulfil), lifecycle: med((g) => g.request + g.lock + g.fulfil) }
  })
  const report = {
    startedAt: started.toISOString(),
    machine: machineInfo(),
    command: `npm run bench:network -- ${process.argv.slice(2).join(' ')}`.trim(),
    requests: REQUESTS,
    models: MODELS,
    phaseSeconds: round(phaseSeconds, 1),
    latencySeconds: { median: round(median(latencies), 2), p95: round(quantile(latencies, 0.95), 2), max: round(Math.max(...latencies), 2) },
    latencyByModel: MODELS.map((model) => {
      const l = outcomes.filter((o) => o.model === model).map((o) => o.latencyMs / 1000)
      return { model, median: round(median(l), 2), p95: round(quantile(l, 0.95), 2) }
    }),
    answeredOnce: outcomes.every((o) => locks.get(o.requestId)!.length === 1 && o.prover !== ''),
    lateAnswers: outcomes.filter((o) => o.late).length,
    duplicateProofs,
    proofsMade,
    slashes,
    perNode,
    gasByModel,
    kill: kill ?? null,
  }
  const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)
  const md = [
    `# glassbox network, ${report.startedAt}`,
    '',
    `\`${report.command}\`: one anvil (1 s blocks), 4 nodes, ${REQUESTS} requests over ${MODELS.join(', ')} posted every ${INTERVAL_MS} ms (price ${MIN_PRICE} → ${MAX_PRICE} wei over 20 s, collateral 1e15, lock window 120 s). ${report.machine.cpuCount} cores, load ${report.machine.loadAverageAtStart.join(' ')} at start.`,
    '',
    `Latency (request mined → fulfilment seen, polled every 250 ms): median **${report.latencySeconds.median} s**, p95 **${report.latencySeconds.p95} s** (${report.latencyByModel.map((l) => `${l.model} ${l.median} / ${l.p95} s`).join('; ')}). Every request answered once: ${report.answeredOnce ? 'yes' : '**no**'}; duplicate proofs **${duplicateProofs}** (${proofsMade} proofs made); slashes ${slashes}; late answers ${report.lateAnswers}.`,
    '',
    '| node | workers | floor (wei) | wei/s | requests | share | reward (ETH) | reward share | mean proof ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...perNode.map((r) => `| ${r.node} | ${r.workers} | ${r.priceFloorWei} | ${r.pricePerSecondWei} | ${r.requests} | ${r.share} | ${eth(BigInt(r.rewardWei))} | ${r.rewardShare} | ${r.meanProofMs ?? '—'} |`),
    '',
    '| model | requests | request gas | lock gas | fulfil gas | lifecycle gas (median) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...gasByModel.map((g) => `| ${g.model} | ${g.requests} | ${g.request} | ${g.lock} | ${g.fulfil} | ${g.lifecycle} |`),
    '',
    kill
      ? `Kill: node ${kill.victim} SIGKILLed mid-proof of request ${kill.requestId} (${kill.model}); the request was ${kill.outcome}${kill.servedBy ? ` by node ${kill.servedBy}` : ''}${kill.late ? ' late' : ''}, ${kill.secondsFromKillToAnswer} s after the kill; the victim's collateral slashed: ${kill.slashedCollateralWei} wei; locks of it: ${kill.locks}.`
      : KILL ? 'Kill: no node could be caught mid-proof in 3 attempts.' : 'Kill: skipped (--no-kill).',
    '',
  ].join('\n')
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = `network-${fileStamp(started)}`
  await writeFile(join(RESULTS_DIR, `${stamp}.json`), `${json(report)}\n`)
  await writeFile(join(RESULTS_DIR, `${stamp}.md`), md)
  process.stdout.write(md)
  log(`wrote bench/results/${stamp}.json and .md`)
  await requester.close()
} finally {
  for (const n of nodes) if (n.child.exitCode === null) n.child.kill('SIGKILL')
  await anvil.stop()
  await rm(workDir, { recursive: true, force: true })
}
