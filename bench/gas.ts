/**
 * glassbox gas benchmark: every market and registry operation on a bundled example, gas read from
 * real transaction receipts on an embedded anvil (never eth_estimateGas). See bench/README.md.
 *
 *   npm run bench:gas            # iris and digits (3 public signals each: packed outputs + class, input hash, prover)
 *   npm run bench:gas -- iris    # only the named examples
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Interface } from 'ethers'
import { compileModel, proveBatch, setupKeys } from '../src/index.js'
import { connectChain } from '../src/chain/connectChain.js'
import { connectMarket } from '../src/chain/connectMarket.js'
import { deployModel } from '../src/chain/deployModel.js'
import { proofToCalldata } from '../src/chain/proofToCalldata.js'
import { proofWords } from '../src/chain/proofWords.js'
import { requestInference } from '../src/market/requestInference.js'
import { randomSalt } from '../src/chain/requestInput.js'
import { openMarketModel } from '../src/market/marketContext.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { readProofs } from '../src/verify/readProofs.js'
import { readInputs } from '../src/io/readInputs.js'
import { prefixedLogger, writeFirstLines } from './measure.js'
import { fileStamp, machineInfo } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const KEYS_DIR = join(ROOT, 'keys')
const RESULTS_DIR = join(ROOT, 'bench', 'results')

/** Targets of issue 9 (whole transactions, from receipts). */
const TARGETS: Record<string, string> = {
  'verify (record a statement)': '≤ 220k',
  'fulfil (in time, verify + pay)': '≤ 320k',
  lock: '≤ 80k',
  request: '≤ 120k + input calldata',
}

type GasRow = { operation: string; gas: bigint; note?: string }

async function measureExample(name: string, workDir: string): Promise<{ model: string; publicSignals: number; inputBytes: number; rows: GasRow[] }> {
  const logger = prefixedLogger(name)
  const example = join(ROOT, 'examples', name)
  const buildDir = join(workDir, name)
  await compileModel({ modelPath: join(example, 'model.onnx'), calibrationPath: join(example, 'calibration.jsonl'), outDir: buildDir, name, logger })
  await setupKeys({ buildDir, keysDir: KEYS_DIR, logger })
  await releaseSnarkjs()
  const chain = await connectChain({ logger })
  const rows: GasRow[] = []
  try {
    const prover = chain.signer
    const me = await prover.getAddress()
    const requester = await chain.provider.getSigner(1)
    const late = await chain.provider.getSigner(2)
    const deployed = await deployModel({ buildDir, chain, logger })
    rows.push({ operation: 'deploy GlassboxMarket', gas: deployed.gas.market! }, { operation: `deploy ${deployed.verifierContract}`, gas: deployed.gas.verifier! }, { operation: 'register', gas: deployed.gas.register! })

    // Proofs for 3 inputs: [0] plain verify, [1] request in time, [2] late fulfilment by `late`.
    const inputsPath = join(workDir, `${name}-inputs.jsonl`)
    await writeFirstLines(join(example, 'test.jsonl'), inputsPath, 3)
    const lines = await readInputs(inputsPath)
    const proofsFor = async (who: string, file: string) => {
      await proveBatch({ buildDir, inputsPath, outPath: file, prover: who, workers: 1, logger })
      return readProofs(file)
    }
    const mine = await proofsFor(me, join(workDir, `${name}-proofs-me.jsonl`))
    const theirs = await proofsFor(await late.getAddress(), join(workDir, `${name}-proofs-late.jsonl`))
    const { layout, market } = await openMarketModel({ buildDir, chain, logger })
    const outputsOf = (signals: bigint[]) => layout.freeIndices.map((i) => signals[i]!)

    // The bare verifier, as today's bench measures it.
    const first = mine[0]!
    const { a, b, c, publicSignals } = proofToCalldata(first.proof, first.publicSignals)
    const iface = new Interface([`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${publicSignals.length}]) view returns (bool)`])
    const bare = await (await prover.sendTransaction({ to: deployed.verifierAddress, data: iface.encodeFunctionData('verifyProof', [a, b, c, publicSignals]), gasLimit: 2_000_000n })).wait()
    rows.push({ operation: 'bare verifyProof transaction (snarkjs verifier)', gas: bare!.gasUsed, note: 'floor: 21k intrinsic + 181k pairing + 6.2k per signal' })

    const w0 = proofWords(first.proof, first.publicSignals)
    rows.push({ operation: 'verify (record a statement)', gas: (await market.verify(deployed.modelId, w0.proof, w0.publicSignals)).gasUsed })

    const price = 10n ** 15n
    const asRequester = { ...chain, signer: requester }
    const req1 = await requestInference({ buildDir, chain: asRequester, input: lines[1]!.input, maxPrice: price, minPrice: price / 2n, rampSeconds: 60n, collateral: price / 2n, logger })
    rows.push({ operation: 'request', gas: req1.gasUsed, note: `${req1.inputBytes} bytes of input` })
    const secret = await requestInference({ buildDir, chain: asRequester, input: lines[1]!.input, maxPrice: price, collateral: price / 2n, salt: randomSalt(), logger })
    rows.push({ operation: 'request (private: salted hash, no input)', gas: secret.gasUsed })
    rows.push({ operation: 'deposit (stake)', gas: (await market.deposit(price * 4n)).gasUsed })
    rows.push({ operation: 'lock', gas: (await market.lock(req1.requestId, req1.terms)).gasUsed })
    const w1 = proofWords(mine[1]!.proof, mine[1]!.publicSignals)
    rows.push({ operation: 'fulfil (in time, verify + pay)', gas: (await market.fulfil(req1.requestId, req1.terms, w1.proof, outputsOf(w1.publicSignals))).gasUsed })

    const again = await requestInference({ buildDir, chain: asRequester, input: lines[1]!.input, maxPrice: price, collateral: price / 2n, logger })
    await market.lock(again.requestId, again.terms)
    rows.push({ operation: 'fulfil (statement already verified)', gas: (await market.fulfil(again.requestId, again.terms, w1.proof, outputsOf(w1.publicSignals))).gasUsed })

    const req2 = await requestInference({ buildDir, chain: asRequester, input: lines[2]!.input, maxPrice: price, collateral: price / 2n, lockWindow: 60n, logger })
    await market.lock(req2.requestId, req2.terms)
    await chain.provider.send('evm_increaseTime', [61])
    await chain.provider.send('evm_mine', [])
    const w2 = proofWords(theirs[2]!.proof, theirs[2]!.publicSignals)
    const lateMarket = connectMarket({ address: market.address, signer: late, txTimeoutMs: chain.txTimeoutMs })
    rows.push({ operation: 'fulfil (late, slashing the locker)', gas: (await lateMarket.fulfil(req2.requestId, req2.terms, w2.proof, outputsOf(w2.publicSignals))).gasUsed })

    const req3 = await requestInference({ buildDir, chain: asRequester, input: lines[0]!.input, maxPrice: price, collateral: price / 2n, logger })
    rows.push({ operation: 'cancel (unlocked)', gas: (await connectMarket({ address: market.address, signer: requester }).cancel(req3.requestId, req3.terms)).gasUsed })
    rows.push({ operation: 'withdrawStake (prover pay)', gas: (await market.withdrawStake((await market.stakeOf(me)).free, me)).gasUsed })
    rows.push({ operation: 'withdraw (requester refunds)', gas: (await connectMarket({ address: market.address, signer: requester }).withdraw(await requester.getAddress())).gasUsed })
    const inputBytes = req1.inputBytes
    return { model: name, publicSignals: layout.nPublic, inputBytes, rows }
  } finally {
    await chain.close()
  }
}

function markdown(results: Awaited<ReturnType<typeof measureExample>>[], started: Date): string {
  const out = [`# glassbox gas, ${started.toISOString()}`, '', 'Gas from transaction receipts on an embedded anvil (never `eth_estimateGas`). Targets from issue 9.', '']
  for (const r of results) {
    out.push(`## ${r.model} (${r.publicSignals} public signals, ${r.inputBytes}-byte input)`, '', '| operation | gas | target | note |', '| --- | --- | --- | --- |')
    for (const row of r.rows) out.push(`| ${row.operation} | ${row.gas} | ${TARGETS[row.operation] ?? ''} | ${row.note ?? ''} |`)
    out.push('')
  }
  return `${out.join('\n')}\n`
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['iris', 'digits']
const started = new Date()
const workDir = await mkdtemp(join(tmpdir(), 'glassbox-gas-'))
try {
  const results = []
  for (const name of names) results.push(await measureExample(name, workDir))
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = `gas-${fileStamp(started)}`
  const report = { startedAt: started.toISOString(), machine: machineInfo(), results }
  await writeFile(join(RESULTS_DIR, `${stamp}.json`), `${JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`)
  await writeFile(join(RESULTS_DIR, `${stamp}.md`), markdown(results, started))
  process.stdout.write(markdown(results, started))
  console.log(`wrote bench/results/${stamp}.json and .md`)
} finally {
  await rm(workDir, { recursive: true, force: true })
}
