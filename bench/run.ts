/**
 * glassbox benchmark: compile, setup, prove (1 and 2 workers), verify off-
 * and on-chain for each bundled example, in one run. See bench/README.md.
 *
 *   npm run bench            # both examples
 *   npm run bench -- iris    # only the named examples
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileModel, proveBatch, readManifest, setupKeys, verifyProofs, verifyProofsOnChain } from '../src/index.js'
import type { Logger } from '../src/index.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { cachedPtauFiles, mean, prefixedLogger, proofMillis, round, timed, writeFirstLines } from './measure.js'
import type { BenchReport, ExampleResult, ProveFigures } from './report.js'
import { fileStamp, machineInfo, markdownTable, writeResults } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const KEYS_DIR = join(ROOT, 'keys')
const RESULTS_DIR = join(ROOT, 'bench', 'results')

/** The examples and how many inputs (first lines of test.jsonl) each proves per run. */
const EXAMPLES: { name: string; proofs: number }[] = [
  { name: 'iris', proofs: 8 },
  { name: 'digits', proofs: 8 },
]

async function benchExample(name: string, proofs: number, workDir: string): Promise<ExampleResult> {
  const logger = prefixedLogger(name)
  const example = join(ROOT, 'examples', name)
  const buildDir = join(workDir, name)

  logger.info('compile…')
  const compiled = await timed(() =>
    compileModel({ modelPath: join(example, 'model.onnx'), calibrationPath: join(example, 'calibration.jsonl'), outDir: buildDir, name, logger }),
  )

  logger.info('setup…')
  const ptauBefore = await cachedPtauFiles(KEYS_DIR)
  const setup = await timed(() => setupKeys({ buildDir, keysDir: KEYS_DIR, logger }))
  const ptauAfter = await cachedPtauFiles(KEYS_DIR)
  // setupKeys leaves snarkjs's multi-threaded curve alive in this thread: free it before proving.
  await releaseSnarkjs()
  const manifest = await readManifest(buildDir)
  const ptauPower = manifest.setup?.ptau.power
  if (ptauPower === undefined) throw new Error(`${buildDir}: the manifest has no setup record after setupKeys.`)

  const inputsPath = join(workDir, `${name}-inputs.jsonl`)
  await writeFirstLines(join(example, 'test.jsonl'), inputsPath, proofs)
  const loadAverageBefore = loadavg().map((l) => round(l))
  const oneWorker = await proveRun({ buildDir, inputsPath, outPath: join(workDir, `${name}-proofs-1w.jsonl`), workers: 1, logger })
  const twoWorkers = await proveRun({ buildDir, inputsPath, outPath: join(workDir, `${name}-proofs-2w.jsonl`), workers: 2, logger })
  const snarkjsOneWorker = await proveRun({ buildDir, inputsPath, outPath: join(workDir, `${name}-proofs-snarkjs.jsonl`), workers: 1, backend: 'snarkjs', logger })

  logger.info('verify off-chain…')
  const proofFiles = [join(workDir, `${name}-proofs-1w.jsonl`), join(workDir, `${name}-proofs-2w.jsonl`)]
  // Sequential on purpose: verifyProofs terminates snarkjs's process-wide curve when it finishes.
  const offChain = await timed(async () => {
    const checks = []
    for (const proofsPath of proofFiles) checks.push(...(await verifyProofs({ buildDir, proofsPath, logger })))
    return checks
  })
  logger.info('verify on-chain (embedded anvil)…')
  const onChain = await timed(() => verifyProofsOnChain({ buildDir, proofsPath: proofFiles[1]!, logger }))

  return {
    model: name,
    constraints: manifest.constraints.total,
    publicSignals: manifest.publicSignals.length,
    compileSeconds: round(compiled.seconds),
    setup: {
      seconds: round(setup.seconds),
      requiredPower: setup.value.power,
      ptauPower,
      ptauGenerated: [...ptauAfter].some((f) => !ptauBefore.has(f)),
    },
    prove: {
      oneWorker,
      twoWorkers,
      throughputRatio: round(twoWorkers.proofsPerMinute / oneWorker.proofsPerMinute, 3),
      snarkjsOneWorker,
      speedupOverSnarkjs: round(oneWorker.proofsPerMinute / snarkjsOneWorker.proofsPerMinute, 2),
      loadAverageBefore,
    },
    verify: {
      offChainValid: offChain.value.filter((c) => c.valid).length,
      offChainTotal: offChain.value.length,
      offChainSeconds: round(offChain.seconds),
      onChainValid: onChain.value.checks.filter((c) => c.valid).length,
      onChainTotal: onChain.value.checks.length,
      onChainSeconds: round(onChain.seconds),
      verificationGas: onChain.value.verificationGas?.toString() ?? null,
    },
  }
}

async function proveRun(p: { buildDir: string; inputsPath: string; outPath: string; workers: number; backend?: 'auto' | 'snarkjs'; logger: Logger }): Promise<ProveFigures> {
  p.logger.info(`prove with ${p.workers} worker(s), backend ${p.backend ?? 'auto'}…`)
  const run = await timed(() => proveBatch({ buildDir: p.buildDir, inputsPath: p.inputsPath, outPath: p.outPath, workers: p.workers, backend: p.backend ?? 'auto', logger: p.logger }))
  const millis = await proofMillis(p.outPath)
  if (run.value.failures.length) p.logger.warn(`${run.value.failures.length} proofs failed: ${run.value.failures.map((f) => f.id).join(', ')}`)
  return {
    workers: run.value.workers,
    proofs: run.value.proven,
    failures: run.value.failures.length,
    msPerProof: round(mean(millis), 1),
    wallSeconds: round(run.seconds),
    proofsPerMinute: round((run.value.proven / run.seconds) * 60),
  }
}

/** Problems that make the figures meaningless: failed proofs or invalid verifications. */
function problemsOf(r: ExampleResult): string[] {
  const problems: string[] = []
  for (const run of [r.prove.oneWorker, r.prove.twoWorkers, r.prove.snarkjsOneWorker]) {
    if (run.failures) problems.push(`${r.model}: ${run.failures} proofs failed with ${run.workers} worker(s)`)
  }
  if (r.verify.offChainValid !== r.verify.offChainTotal) problems.push(`${r.model}: ${r.verify.offChainTotal - r.verify.offChainValid} proofs invalid off-chain`)
  if (r.verify.onChainValid !== r.verify.onChainTotal) problems.push(`${r.model}: ${r.verify.onChainTotal - r.verify.onChainValid} proofs invalid on-chain`)
  if (r.verify.verificationGas === null) problems.push(`${r.model}: no verification gas measured`)
  return problems
}

async function main(): Promise<number> {
  const only = process.argv.slice(2)
  const selected = only.length ? EXAMPLES.filter((e) => only.includes(e.name)) : EXAMPLES
  if (selected.length === 0) throw new Error(`Unknown example(s) ${only.join(', ')}; choose from ${EXAMPLES.map((e) => e.name).join(', ')}.`)

  const started = new Date()
  const machine = machineInfo()
  const workDir = await mkdtemp(join(tmpdir(), 'glassbox-bench-'))
  const results: ExampleResult[] = []
  try {
    for (const { name, proofs } of selected) results.push(await benchExample(name, proofs, workDir))
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
  const finished = new Date()
  const report: BenchReport = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    totalSeconds: round((finished.getTime() - started.getTime()) / 1000, 1),
    machine,
    results,
  }
  const written = await writeResults(RESULTS_DIR, fileStamp(started), report)
  process.stdout.write(`\n${markdownTable(results)}\n\n`)
  process.stderr.write(`wrote ${written.map((f) => f.slice(ROOT.length + 1)).join(', ')}\n`)

  const problems = results.flatMap(problemsOf)
  for (const p of problems) process.stderr.write(`problem: ${p}\n`)
  return problems.length ? 1 : 0
}

let code = 1
try {
  code = await main()
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
} finally {
  await releaseSnarkjs().catch(() => undefined)
}
process.exit(code)
