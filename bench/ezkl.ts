/**
 * glassbox side by side with ezkl: the same ONNX model and the same inputs through both, in one
 * run. See bench/README.md ("Side by side with ezkl").
 *
 *   npm run bench:ezkl                                               # iris, digits, digits_cnn; 3 proofs each
 *   npm run bench:ezkl -- --models iris,digits --proofs 2            # the committed small run
 *   npm run bench:ezkl -- --models lenet5,residual_cnn,tiny_transformer --proofs 3 --accuracy 64
 *
 * Options: --models a,b (folders under examples/), --proofs N (per system, default 3), --accuracy
 * N (first N test inputs for accuracy, default 32), --ezkl-target resources|accuracy (ezkl's
 * calibration target, default resources), --ezkl-max-logrows N (calibrate_settings' max_logrows;
 * default ezkl's own choice), --ezkl-cache DIR (the venv and SRS cache, default bench/.ezkl), --python PATH (the interpreter that creates the venv,
 * default python3.11, else python3).
 *
 * ezkl is installed on first use into bench/.ezkl/venv (gitignored) from PyPI; when that fails or
 * ezkl does not import, the bench says what failed and what to do, and exits 0.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Interface } from 'ethers'
import { compileModel, proveBatch, readManifest, runFixedPoint, setupKeys, verifyProofs } from '../src/index.js'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { compileContracts } from '../src/chain/compileContracts.js'
import { connectChain, type ConnectChainReturnType } from '../src/chain/connectChain.js'
import { deployContract } from '../src/chain/deployContract.js'
import { deployVerifier } from '../src/chain/deployVerifier.js'
import { proofToCalldata } from '../src/chain/proofToCalldata.js'
import { waitForReceipt } from '../src/chain/waitForReceipt.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { readProofs } from '../src/verify/readProofs.js'
import { cachedPtauFiles, prefixedLogger, round, timed, writeFirstLines } from './measure.js'
import { peakRssMiB } from './peakRss.js'
import { fileStamp, machineInfo } from './report.js'
import { EZKL_VERSION, ensureEzkl, isUnavailable, runPipeline, type EzklEnvironment } from './ezklEnvironment.js'
import { accuracyOf, median, type Reference, type TestLine } from './ezklFigures.js'
import { ezklMarkdown, type EzklBenchReport, type ModelComparison, type OnChainFigures, type SideFigures } from './ezklReport.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SELF = fileURLToPath(import.meta.url)
const KEYS_DIR = join(ROOT, 'keys')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const DEFAULT_EZKL_CACHE = join(ROOT, 'bench', '.ezkl')
const PIPELINE = join(ROOT, 'bench', 'ezkl_pipeline.py')
/** EIP-170: the largest runtime bytecode mainnet accepts. */
const CODE_SIZE_LIMIT = 24_576
const VISIBILITY = { input: 'hashed', params: 'fixed', output: 'public' } as const
const MEMORY_METHOD =
  'peak RSS of the process that proves, VmHWM from /proc/self/status at its end (ezkl: the Python process running gen_witness + prove; glassbox: a Node process running proveBatch, its worker thread and native prover included; not getrusage\'s ru_maxrss, which in a spawned child is at least the parent\'s RSS at the fork); "while proving" subtracts the RSS just before the first proof (/proc/self/status VmRSS, process.memoryUsage().rss)'

const log = (m: string) => process.stderr.write(`[bench:ezkl] ${m}\n`)

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}

async function readJsonl<T>(path: string): Promise<T[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** Deploys a verifier, checks every proof with `eth_call` and measures one `verifyProof` transaction's gas from its receipt. */
async function measureOnChain(
  chain: ConnectChainReturnType,
  deploy: () => Promise<{ address: string; gasUsed: bigint; runtimeBytes: number }>,
  calldatas: readonly string[],
): Promise<OnChainFigures> {
  const deployed = await deploy()
  const TRUE = `0x${'0'.repeat(63)}1`
  let accepted = 0
  for (const data of calldatas) if ((await chain.provider.call({ to: deployed.address, data })) === TRUE) accepted++
  // Gas from the receipt of a real transaction, never eth_estimateGas; a fixed generous limit so the node estimates nothing.
  const tx = await chain.signer.sendTransaction({ to: deployed.address, data: calldatas[0]!, gasLimit: 10_000_000n })
  const receipt = await waitForReceipt({ provider: chain.provider, txHash: tx.hash, timeoutMs: chain.txTimeoutMs })
  if (!receipt || receipt.status !== 1) throw new Error(`the verifyProof transaction ${tx.hash} failed or was not mined`)
  return { verificationGas: receipt.gasUsed.toString(), deployGas: deployed.gasUsed.toString(), runtimeBytes: deployed.runtimeBytes, calldataBytes: (calldatas[0]!.length - 2) / 2, accepted, total: calldatas.length }
}

/** Child process: proveBatch alone, so its peak RSS is the prover's (see MEMORY_METHOD). */
async function glassboxProveChild(buildDir: string, inputsPath: string, outPath: string): Promise<void> {
  const rssBefore = process.memoryUsage().rss
  const summary = await proveBatch({ buildDir, inputsPath, outPath, workers: 1, witness: 'wasm', logger: prefixedLogger('glassbox prove') })
  await releaseSnarkjs()
  process.stdout.write(JSON.stringify({ proven: summary.proven, failures: summary.failures.length, rssBeforeKiB: rssBefore / 1024, peakRssKiB: peakRssMiB() * 1024 }))
}

function runGlassboxProveChild(buildDir: string, inputsPath: string, outPath: string): Promise<{ proven: number; failures: number; rssBeforeKiB: number; peakRssKiB: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--glassbox-prove-child', buildDir, inputsPath, outPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`glassbox prove child exited ${code}`))))
  })
}

type ModelInputs = { dir: string; proofInputs: string; accuracyInputs: string; tests: TestLine[]; references: Reference[] }

async function benchGlassbox(name: string, m: ModelInputs, work: string, chain: ConnectChainReturnType): Promise<SideFigures> {
  const logger = prefixedLogger(`glassbox ${name}`)
  const buildDir = join(work, 'glassbox')
  const compiled = await timed(() => compileModel({ modelPath: join(m.dir, 'model.onnx'), calibrationPath: join(m.dir, 'calibration.jsonl'), outDir: buildDir, name, logger }))
  const ptauBefore = await cachedPtauFiles(KEYS_DIR)
  const setup = await timed(() => setupKeys({ buildDir, keysDir: KEYS_DIR, logger }))
  await releaseSnarkjs()
  const ptauGenerated = [...(await cachedPtauFiles(KEYS_DIR))].some((f) => !ptauBefore.has(f))
  const manifest = await readManifest(buildDir)
  const paths = buildPaths(buildDir)

  logger.info('prove (child process, 1 worker)…')
  const proofsPath = join(work, 'glassbox-proofs.jsonl')
  const loadBefore = loadavg()[0]!
  const child = await runGlassboxProveChild(buildDir, m.proofInputs, proofsPath)
  const records = await readProofs(proofsPath)
  if (child.failures || records.length === 0) throw new Error(`${child.failures} of the glassbox proofs failed`)

  logger.info('verify off-chain…')
  const verified = await timed(() => verifyProofs({ buildDir, proofsPath, logger }))
  await releaseSnarkjs()
  const outputs = await runFixedPoint({ buildDir, inputsPath: m.accuracyInputs })

  logger.info('verify on-chain (embedded anvil)…')
  const iface = new Interface([`function verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${records[0]!.publicSignals.length}]) view returns (bool)`])
  const calldatas = records.map((r) => {
    const { a, b, c, publicSignals } = proofToCalldata(r.proof, r.publicSignals)
    return iface.encodeFunctionData('verifyProof', [a, b, c, publicSignals])
  })
  let onChain: SideFigures['onChain']
  try {
    onChain = await measureOnChain(
      chain,
      async () => {
        const d = await deployVerifier({ signer: chain.signer, source: await readFile(paths.verifier, 'utf8'), logger })
        return { address: d.address, gasUsed: d.gasUsed, runtimeBytes: (d.deployedBytecode.length - 2) / 2 }
      },
      calldatas,
    )
  } catch (error) {
    onChain = { error: error instanceof Error ? error.message : String(error) }
  }
  return {
    circuitSize: manifest.constraints.total,
    log2Size: setup.value.power,
    compileSeconds: round(compiled.seconds),
    setupSeconds: round(setup.seconds),
    parameters: { power: manifest.setup?.ptau.power ?? setup.value.power, generated: ptauGenerated },
    provingKeyBytes: statSync(paths.zkey).size,
    prove: {
      proofs: records.length,
      msPerProof: records.map((r) => round(r.ms, 1)),
      medianMs: round(median(records.map((r) => r.ms)), 1),
      rssBeforeMiB: round(child.rssBeforeKiB / 1024, 1),
      peakRssMiB: round(child.peakRssKiB / 1024, 1),
      loadBefore: round(loadBefore),
    },
    // Groth16 on BN254, uncompressed as the EVM takes it: A (G1) + B (G2) + C (G1) = 8 words.
    proofBytes: 8 * 32,
    publicValues: records[0]!.publicSignals.length,
    verify: { valid: verified.value.filter((c) => c.valid).length, total: verified.value.length, msPerProof: round((verified.seconds * 1000) / verified.value.length, 1) },
    accuracy: accuracyOf(
      outputs.map((o) => o.output),
      m.tests,
      m.references,
    ),
    onChain,
    details: {
      publicSignals: manifest.publicSignals,
      inputVisibility: 'hashed (Poseidon, salted), weights constant, outputs packed, argmax in circuit',
      setupNote: ptauGenerated ? 'setup seconds include generating the dev ptau' : 'dev ptau cached',
    },
  }
}

type EzklBuild = {
  logrows: number
  numRows: number
  totalAssignments: number
  runArgs: Record<string, unknown>
  seconds: Record<string, number>
  srsGenerated: boolean
  setupPeakRssKiB: number
  bytes: { pk: number; vk: number; srs: number; compiled: number }
  solidityPath: string | null
  evmNote: string | null
  [key: string]: unknown
}
type EzklProve = { runs: { ms: number; witnessMs: number; proveMs: number; proofBytes: number; instances: number }[]; medianMs: number; rssBeforeKiB: number; peakRssKiB: number }
type EzklVerify = { checks: { valid: boolean; ms: number; calldataPath: string; calldataBytes: number }[] }

async function benchEzkl(name: string, m: ModelInputs, work: string, env: EzklEnvironment, tuning: { target: string; maxLogrows: number | undefined; srsCache: string }, chain: ConnectChainReturnType): Promise<SideFigures> {
  const dir = join(work, 'ezkl')
  await mkdir(dir, { recursive: true })
  const asArray = async (jsonl: string, out: string) => writeFile(out, JSON.stringify((await readJsonl<{ input: number[] }>(jsonl)).map((l) => l.input)))
  const calibration = join(work, 'ezkl-calibration.json')
  const proofInputs = join(work, 'ezkl-proof-inputs.json')
  const accuracyInputs = join(work, 'ezkl-accuracy-inputs.json')
  await asArray(join(m.dir, 'calibration.jsonl'), calibration)
  await asArray(m.proofInputs, proofInputs)
  await asArray(m.accuracyInputs, accuracyInputs)
  const result = (phase: string) => join(work, `ezkl-${phase}.json`)

  log(`${name}: ezkl build (settings, calibration, compile, SRS, setup, verifier)…`)
  const build = await runPipeline<EzklBuild>(
    env,
    PIPELINE,
    'build',
    ['--dir', dir, '--model', join(m.dir, 'model.onnx'), '--calibration', calibration, '--srs-cache', tuning.srsCache, '--input-visibility', VISIBILITY.input, '--param-visibility', VISIBILITY.params, '--output-visibility', VISIBILITY.output, '--target', tuning.target, ...(tuning.maxLogrows ? ['--max-logrows', String(tuning.maxLogrows)] : [])],
    result('build'),
  )
  log(`${name}: ezkl witness for accuracy…`)
  const witness = await runPipeline<{ outputs: number[][] }>(env, PIPELINE, 'witness', ['--dir', dir, '--inputs', accuracyInputs], result('witness'))
  log(`${name}: ezkl prove…`)
  const loadBefore = loadavg()[0]!
  const prove = await runPipeline<EzklProve>(env, PIPELINE, 'prove', ['--dir', dir, '--inputs', proofInputs], result('prove'))
  log(`${name}: ezkl verify…`)
  const verify = await runPipeline<EzklVerify>(env, PIPELINE, 'verify', ['--dir', dir, '--count', String(prove.runs.length)], result('verify'))

  let onChain: SideFigures['onChain']
  if (!build.solidityPath) onChain = { error: build.evmNote ?? 'no Solidity verifier' }
  else {
    try {
      const compiledSol = await timed(() => compileContracts({ sources: { 'Halo2Verifier.sol': readFileSync(build.solidityPath!, 'utf8') } }))
      const contract = compiledSol.value['Halo2Verifier']
      if (!contract) throw new Error(`solc-js compiled no Halo2Verifier from ${build.solidityPath}`)
      const runtimeBytes = (contract.deployedBytecode.length - 2) / 2
      const calldatas = await Promise.all(verify.checks.map(async (c) => `0x${(await readFile(c.calldataPath)).toString('hex')}`))
      const notes = [build.evmNote, `solc-js compile of the verifier took ${compiledSol.seconds.toFixed(1)} s`]
      // A verifier over EIP-170's limit cannot go on mainnet; measure it anyway on a chain without the limit, and say so.
      const bigChain = runtimeBytes > CODE_SIZE_LIMIT ? await connectChain({ anvil: { args: ['--disable-code-size-limit'] } }) : undefined
      if (bigChain) notes.push(`runtime ${runtimeBytes} bytes > EIP-170's ${CODE_SIZE_LIMIT}: deployed on an anvil with --disable-code-size-limit; not deployable on mainnet as is`)
      try {
        const on = bigChain ?? chain
        onChain = await measureOnChain(
          on,
          async () => {
            const d = await deployContract({ signer: on.signer, contract, name: 'Halo2Verifier' })
            return { address: d.address, gasUsed: d.gasUsed, runtimeBytes }
          },
          calldatas,
        )
      } finally {
        await bigChain?.close()
      }
      onChain.note = notes.filter(Boolean).join('; ')
    } catch (error) {
      onChain = { error: error instanceof Error ? error.message : String(error) }
    }
  }
  const runs = prove.runs
  return {
    circuitSize: build.numRows,
    log2Size: build.logrows,
    compileSeconds: round(build.seconds['genSettings']! + build.seconds['calibrate']! + build.seconds['compileCircuit']!),
    setupSeconds: round(build.seconds['setup']!),
    parameters: { power: build.logrows, generated: build.srsGenerated, seconds: round(build.seconds['genSrs']!) },
    provingKeyBytes: build.bytes.pk,
    prove: {
      proofs: runs.length,
      msPerProof: runs.map((r) => round(r.ms, 1)),
      medianMs: round(prove.medianMs, 1),
      rssBeforeMiB: round(prove.rssBeforeKiB / 1024, 1),
      peakRssMiB: round(prove.peakRssKiB / 1024, 1),
      loadBefore: round(loadBefore),
    },
    proofBytes: runs[0]!.proofBytes,
    publicValues: runs[0]!.instances,
    verify: { valid: verify.checks.filter((c) => c.valid).length, total: verify.checks.length, msPerProof: round(median(verify.checks.map((c) => c.ms)), 1) },
    accuracy: accuracyOf(witness.outputs, m.tests, m.references),
    onChain,
    details: {
      runArgs: build.runArgs,
      totalAssignments: build.totalAssignments,
      seconds: build.seconds,
      bytes: build.bytes,
      setupPeakRssMiB: round(build.setupPeakRssKiB / 1024, 1),
      proveRuns: runs,
      requiredLookups: build['requiredLookups'],
      requiredRangeChecks: build['requiredRangeChecks'],
      moduleSizes: build['moduleSizes'],
      evmNote: build.evmNote,
    },
  }
}

async function prepareModel(name: string, work: string, proofs: number, accuracy: number): Promise<ModelInputs> {
  const dir = join(ROOT, 'examples', name)
  for (const file of ['model.onnx', 'calibration.jsonl', 'test.jsonl', 'reference.jsonl']) {
    if (!existsSync(join(dir, file))) throw new Error(`examples/${name}/${file} is missing: an example needs model.onnx, calibration.jsonl, test.jsonl (with labels) and reference.jsonl (float outputs), as examples/train/train.py writes them.`)
  }
  const allTests = await readJsonl<TestLine>(join(dir, 'test.jsonl'))
  const count = Math.min(accuracy, allTests.length)
  const references = new Map((await readJsonl<Reference>(join(dir, 'reference.jsonl'))).map((r) => [r.id, r]))
  const tests = allTests.slice(0, count)
  const missing = tests.find((t) => !references.has(t.id))
  if (missing) throw new Error(`examples/${name}/reference.jsonl has no float output for test id "${missing.id}".`)
  const proofInputs = join(work, 'proof-inputs.jsonl')
  const accuracyInputs = join(work, 'accuracy-inputs.jsonl')
  await writeFirstLines(join(dir, 'test.jsonl'), proofInputs, proofs)
  await writeFirstLines(join(dir, 'test.jsonl'), accuracyInputs, count)
  return { dir, proofInputs, accuracyInputs, tests, references: tests.map((t) => references.get(t.id)!) }
}

function problemsOf(r: ModelComparison): string[] {
  const problems: string[] = []
  for (const [side, figures] of [['glassbox', r.glassbox], ['ezkl', r.ezkl]] as const) {
    if ('error' in figures) {
      problems.push(`${r.model}: ${side} failed: ${figures.error.split('\n')[0]}`)
      continue
    }
    if (figures.verify.valid !== figures.verify.total) problems.push(`${r.model}: ${side}: ${figures.verify.total - figures.verify.valid} proofs do not verify off-chain`)
    if ('error' in figures.onChain) problems.push(`${r.model}: ${side} on chain: ${figures.onChain.error.split('\n')[0]}`)
    else if (figures.onChain.accepted !== figures.onChain.total) problems.push(`${r.model}: ${side}: ${figures.onChain.total - figures.onChain.accepted} proofs rejected on chain`)
  }
  return problems
}

async function main(): Promise<number> {
  if (process.argv.includes('--glassbox-prove-child')) {
    const at = process.argv.indexOf('--glassbox-prove-child')
    const [buildDir, inputsPath, outPath] = process.argv.slice(at + 1, at + 4) as [string, string, string]
    await glassboxProveChild(buildDir, inputsPath, outPath)
    return 0
  }
  const models = option('models', 'iris,digits,digits_cnn').split(',').map((s) => s.trim()).filter(Boolean)
  const proofs = Number(option('proofs', '3'))
  const accuracy = Number(option('accuracy', '32'))
  const target = option('ezkl-target', 'resources')
  const maxLogrowsOption = option('ezkl-max-logrows', '')
  const maxLogrows = maxLogrowsOption === '' ? undefined : Number(maxLogrowsOption)
  if (maxLogrows !== undefined && (!Number.isInteger(maxLogrows) || maxLogrows < 1 || maxLogrows > 26)) throw new Error(`--ezkl-max-logrows must be an integer in 1..26, got ${maxLogrowsOption}`)
  if (!Number.isInteger(proofs) || proofs < 1) throw new Error(`--proofs must be a positive integer, got ${option('proofs', '')}`)
  if (!Number.isInteger(accuracy) || accuracy < 1) throw new Error(`--accuracy must be a positive integer, got ${option('accuracy', '')}`)
  if (target !== 'resources' && target !== 'accuracy') throw new Error(`--ezkl-target is resources or accuracy, got ${target}`)
  for (const name of models) if (!existsSync(join(ROOT, 'examples', name, 'model.onnx'))) throw new Error(`examples/${name}/model.onnx does not exist (--models takes folder names under examples/).`)

  const cacheDir = resolve(option('ezkl-cache', DEFAULT_EZKL_CACHE))
  const explicitPython = process.argv.includes('--python')
  const basePython = option('python', 'python3.11')
  let env = await ensureEzkl({ cacheDir, basePython, pipelineScript: PIPELINE, log })
  // No python3.11 on PATH (spawn failed): try python3 unless the user named an interpreter.
  if (isUnavailable(env) && !explicitPython && /exited with -1/.test(env.failed)) {
    env = await ensureEzkl({ cacheDir, basePython: 'python3', pipelineScript: PIPELINE, log })
  }
  if (isUnavailable(env)) {
    process.stdout.write(
      [`bench:ezkl: ezkl ${EZKL_VERSION} is not available, so there is nothing to compare against.`, `  what failed: ${env.failed}`, ...(env.details ? ['  output:', ...env.details.split('\n').map((l) => `    ${l}`)] : []), `  what to do:  ${env.fix}`, 'Nothing was measured (exit 0: this benchmark is optional).', ''].join('\n'),
    )
    return 0
  }
  log(`ezkl ${env.version} (Python ${env.pythonVersion}) in ${join(cacheDir, 'venv')}`)

  const started = new Date()
  const machine = machineInfo()
  const work = await mkdtemp(join(tmpdir(), 'glassbox-bench-ezkl-'))
  const chain = await connectChain({})
  const results: ModelComparison[] = []
  try {
    for (const name of models) {
      const modelWork = join(work, name)
      await mkdir(modelWork, { recursive: true })
      const inputs = await prepareModel(name, modelWork, proofs, accuracy)
      const float = accuracyOf(
        inputs.references.map((r) => r.output),
        inputs.tests,
        inputs.references,
      )
      const attempt = async (side: string, run: () => Promise<SideFigures>): Promise<SideFigures | { error: string }> => {
        try {
          return await run()
        } catch (error) {
          log(`${name}: ${side} failed: ${error instanceof Error ? error.message : String(error)}`)
          return { error: error instanceof Error ? error.message : String(error) }
        }
      }
      log(`${name}: glassbox…`)
      const glassbox = await attempt('glassbox', () => benchGlassbox(name, inputs, modelWork, chain))
      log(`${name}: ezkl…`)
      const ezkl = await attempt('ezkl', () => benchEzkl(name, inputs, modelWork, env, { target, maxLogrows, srsCache: join(cacheDir, 'srs') }, chain))
      results.push({ model: name, floatAccuracy: float, glassbox, ezkl })
      // Keys are hundreds of MB for ezkl: drop each model's work folder once measured.
      await rm(modelWork, { recursive: true, force: true })
    }
  } finally {
    await chain.close()
    await rm(work, { recursive: true, force: true })
  }
  const finished = new Date()
  const report: EzklBenchReport = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    totalSeconds: round((finished.getTime() - started.getTime()) / 1000, 1),
    machine,
    ezkl: { version: env.version, python: env.pythonVersion, target, maxLogrows: maxLogrows ?? null, visibility: VISIBILITY },
    memoryMethod: MEMORY_METHOD,
    results,
  }
  const notes = [
    `Each system proves the first ${proofs} lines of the example's test.jsonl, one after another, with both cores available (glassbox: 1 pool worker, its native prover on 2 threads; ezkl: its own thread pool). Accuracy uses the first ${accuracy} test lines (fewer if the test set is smaller), through each system's circuit computation without proving (glassbox runFixedPoint, ezkl gen_witness).`,
    'ezkl.prove reads the proving key and compiled circuit from disk on every call (the Python API cannot keep them loaded), so its ms per proof includes loading them; glassbox loads its keys once per worker, outside the per-proof time.',
    'Circuit size is not like for like: an R1CS constraint is one multiplication, an ezkl row spans several advice columns with custom gates and lookups. Proving time, memory, proof size and gas are comparable.',
    'glassbox public values: packed outputs + class, the Poseidon input hash (salted), the prover address; ezkl: the Poseidon input hash and every output. glassbox proves the argmax in the circuit; ezkl does not.',
  ]
  const markdown = ezklMarkdown(report, notes)
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = `ezkl-${fileStamp(started)}`
  await writeFile(join(RESULTS_DIR, `${stamp}.json`), `${JSON.stringify({ ...report, notes }, null, 2)}\n`)
  await writeFile(join(RESULTS_DIR, `${stamp}.md`), markdown)
  process.stdout.write(`\n${markdown}\n`)
  log(`wrote bench/results/${stamp}.json and .md`)
  const problems = results.flatMap(problemsOf)
  for (const p of problems) log(`problem: ${p}`)
  return problems.length ? 1 : 0
}

let code = 1
try {
  code = await main()
} catch (error) {
  process.stderr.write(`bench:ezkl failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
} finally {
  await releaseSnarkjs().catch(() => undefined)
}
process.exit(code)
