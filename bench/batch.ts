/**
 * Batch proving at scale: a 1-worker pool pinned to one core vs 1 and 2 workers on all cores, 2 worker processes
 * through BullMQ on a loopback Redis, and the streaming scheduler's peak
 * memory on a large inputs file vs a small one.
 *
 *   npm run build && npm run bench:batch                         # 64 proofs, memory at 1,000 vs 100,000 lines
 *   npm run bench:batch -- --proofs 256 --model digits --memory-lines 1000,100000,1000000
 *
 * The queue part spawns `glassbox worker` from dist/ (build first) and a
 * private redis-server on a free port (or uses GLASSBOX_TEST_REDIS). Writes
 * bench/results/batch-<stamp>.{json,md}.
 */
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileModel } from '../src/compile/compileModel.js'
import { readManifest } from '../src/artifacts/manifest.js'
import type { ProveBatchParameters } from '../src/prove/proveBatchStream.js'
import { proveBatchStream } from '../src/prove/proveBatchStream.js'
import type { ProveExecutor } from '../src/prove/proveExecutor.js'
import { createQueueExecutor } from '../src/queue/createQueueExecutor.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { startTestRedis } from '../test/support/testRedis.js'
import { mean, round } from './measure.js'
import { peakRssMiB } from './peakRss.js'
import { fileStamp, machineInfo } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SELF = fileURLToPath(import.meta.url)
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const KEYS_DIR = join(ROOT, 'keys')
const log = (m: string) => process.stderr.write(`[bench:batch] ${m}\n`)
const quiet = { info() {}, warn: (m: string) => log(`warning: ${m}`), debug() {} }

type Throughput = { label: string; stamps?: number[]; proofs: number; failed: number; proofsPerMinute: number; msPerProof: number; wallSeconds: number }
type MemoryRun = { lines: number; heapCapMiB?: number; maxRssMiB: number; rssAtStartMiB: number; peakRssDuringMiB: number; peakHeapMiB: number; seconds: number; linesPerSecond: number }

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback
}

// ---------- child: the scheduler alone over N lines, with an executor that answers at once ----------
async function memoryChild(buildDir: string, lines: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'glassbox-bench-mem-'))
  const inputs = join(dir, 'inputs.jsonl')
  const { createWriteStream } = await import('node:fs')
  const stream = createWriteStream(inputs)
  for (let i = 0; i < lines; i++) {
    const input = [4 + (i % 40) / 10, 3 + (i % 13) / 10, 1 + (i % 50) / 10, (i % 25) / 10]
    if (!stream.write(`${JSON.stringify({ id: `m${i}`, input })}\n`)) await new Promise<void>((r) => stream.once('drain', () => r()))
  }
  await new Promise<void>((r) => stream.end(() => r()))
  const vkeySha256 = (await readManifest(buildDir)).artifacts['verificationKey']!
  const fake: ProveExecutor = {
    capacity: 64,
    backend: 'fake',
    workers: 1,
    threadsPerWorker: 1,
    async run(task) {
      await new Promise((r) => setImmediate(r))
      return { ok: true, record: { id: task.id, output: [0, 0, 0], outputQ: ['0', '0', '0'], publicSignals: [], proof: { pi_a: ['0', '0', '1'], pi_b: [['0', '0'], ['0', '0'], ['1', '0']], pi_c: ['0', '0', '1'], protocol: 'groth16', curve: 'bn128' }, backend: 'fake', ms: 0, vkeySha256, inputSha256: task.inputSha256 } }
    },
    async close() {},
  }
  const started = performance.now()
  const rssAtStart = process.memoryUsage().rss
  let peakRss = rssAtStart
  let peakHeap = 0
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peakRss = Math.max(peakRss, m.rss)
    peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers)
  }, 50)
  let summary
  for await (const event of proveBatchStream({ buildDir, inputsPath: inputs, outPath: join(dir, 'proofs.jsonl'), executor: async () => fake })) if (event.type === 'done') summary = event.summary
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  if (summary?.proven !== lines) throw new Error(`expected ${lines} records, got ${summary?.proven}`)
  await rm(dir, { recursive: true, force: true })
  const MiB = 1024 * 1024
  process.stdout.write(
    JSON.stringify({ lines, maxRssMiB: peakRssMiB(), rssAtStartMiB: rssAtStart / MiB, peakRssDuringMiB: peakRss / MiB, peakHeapMiB: peakHeap / MiB, seconds, linesPerSecond: lines / seconds } satisfies MemoryRun),
  )
}

/** `heapCapMiB`: V8's old-space limit for the child. Under default flags V8 lets the heap grow lazily while garbage is made fast; a cap shows the live set (the run fails if the batch really needs more). */
async function runChild(buildDir: string, lines: number, heapCapMiB?: number): Promise<MemoryRun> {
  return new Promise((resolvePromise, reject) => {
    const flags = heapCapMiB ? [`--max-old-space-size=${heapCapMiB}`, '--max-semi-space-size=2'] : []
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', SELF, '--memory-child', buildDir, String(lines)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out) as MemoryRun) : reject(new Error(`memory child exited ${code}`))))
  })
}

/** Steady-state throughput: proofs between the first and the last result, so pool or worker start-up is not counted. */
async function measure(label: string, parameters: ProveBatchParameters, expected: number): Promise<Throughput> {
  const started = performance.now()
  const times: number[] = []
  const ms: number[] = []
  let failed = 0
  for await (const event of proveBatchStream(parameters)) {
    if (event.type === 'proof') {
      times.push(Date.now())
      ms.push(event.record.ms)
    }
    if (event.type === 'error') failed++
  }
  if (times.length !== expected) throw new Error(`${label}: ${times.length} proofs of ${expected} (${failed} failed)`)
  const span = (times.at(-1)! - times[0]!) / 60_000
  const figures = { label, stamps: times, proofs: times.length, failed, proofsPerMinute: round((times.length - 1) / span, 1), msPerProof: round(mean(ms), 1), wallSeconds: round((performance.now() - started) / 1000, 1) }
  log(`${label}: ${figures.proofsPerMinute} proofs/min, ${figures.msPerProof} ms/proof in the worker`)
  return figures
}

const clean = ({ stamps: _stamps, ...figures }: Throughput): Omit<Throughput, 'stamps'> => figures

/** A local 1-worker pool in a child process; `cores` pins it (taskset) to the first that many cores, so its pool sizes itself to them. */
async function poolChild(buildDir: string, inputsPath: string, outPath: string, count: number, cores?: number): Promise<Throughput> {
  return new Promise((resolvePromise, reject) => {
    const args = ['--import', 'tsx', SELF, '--pool-child', buildDir, inputsPath, outPath, String(count)]
    const [command, argv] = cores ? ['taskset', ['-c', `0-${cores - 1}`, process.execPath, ...args]] : [process.execPath, args]
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.once('exit', (code) => (code === 0 ? resolvePromise(JSON.parse(out) as Throughput) : reject(new Error(`pool child exited ${code}`))))
  })
}

function spawnWorker(url: string, cache: string): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin', 'glassbox.js'), 'worker', '--queue', url, '--workers', '1', '--build-cache', cache, '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
}

async function main(): Promise<void> {
  if (process.argv.includes('--pool-child')) {
    const at = process.argv.indexOf('--pool-child')
    const [buildDir, inputsPath, outPath, count] = process.argv.slice(at + 1, at + 5) as [string, string, string, string]
    const result = await measure('pool child', { buildDir, inputsPath, outPath, workers: 1, logger: quiet }, Number(count))
    process.stdout.write(JSON.stringify(result))
    return
  }
  if (process.argv.includes('--memory-child')) {
    const at = process.argv.indexOf('--memory-child')
    return memoryChild(process.argv[at + 1]!, Number(process.argv[at + 2]))
  }
  const model = option('model', 'iris')
  const proofs = Number(option('proofs', '64'))
  const memoryLines = option('memory-lines', '1000,100000').split(',').map(Number)
  const heapCap = Number(option('heap-cap', '40'))
  const only = option('only', 'all')
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (the queue workers run the built CLI)')
  const stamp = fileStamp(new Date())
  const work = await mkdtemp(join(tmpdir(), 'glassbox-bench-batch-'))
  const redis = await startTestRedis()
  const workers: ChildProcess[] = []
  try {
    log(`compiling ${model} (hashed input, for proving) and iris (public input, for the memory runs)`)
    const buildDir = join(work, model)
    // LeNet-5 at its README settings (8-bit activations, 6-bit weights: 97k constraints, 2^17); the others at their defaults.
    const widths = model === 'lenet5' ? { bits: 8, weightBits: 6 } : {}
    await compileModel({ modelPath: join(ROOT, 'examples', model, 'model.onnx'), calibrationPath: join(ROOT, 'examples', model, 'calibration.jsonl'), outDir: buildDir, name: model, ...widths })
    await setupKeys({ buildDir, keysDir: KEYS_DIR })
    const memDir = join(work, 'iris-public')
    await compileModel({ modelPath: join(ROOT, 'examples', 'iris', 'model.onnx'), calibrationPath: join(ROOT, 'examples', 'iris', 'calibration.jsonl'), outDir: memDir, name: 'iris-public', inputVisibility: 'public' })
    await setupKeys({ buildDir: memDir, keysDir: KEYS_DIR })
    await releaseSnarkjs()

    const rows = readFileSync(join(ROOT, 'examples', model, 'test.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => (JSON.parse(l) as { input: number[] }).input)
    const inputs = join(work, 'inputs.jsonl')
    await writeFile(inputs, Array.from({ length: proofs }, (_, i) => JSON.stringify({ id: `b${i}`, input: rows[i % rows.length] })).join('\n') + '\n')
    const base = { buildDir, inputsPath: inputs, logger: quiet }

    const load = [loadavg()[0]!]
    const skipped: Throughput = { label: 'skipped', proofs: 0, failed: 0, proofsPerMinute: Number.NaN, msPerProof: Number.NaN, wallSeconds: 0 }
    let oneCore = skipped
    let one = skipped
    let two = skipped
    let queue = skipped
    let twoProcessesResult = skipped
    if (only !== 'memory') {
    // One core is the baseline of scaling: a 1-worker pool in a process pinned to core 0 (its native prover gets one thread).
    oneCore = { ...(await poolChild(buildDir, inputs, join(work, 'one-core.jsonl'), proofs, 1)), label: 'local, 1 worker on one core (taskset)' }
    log(`${oneCore.label}: ${oneCore.proofsPerMinute} proofs/min`)
    load.push(loadavg()[0]!)
    one = await measure('local, 1 worker', { ...base, outPath: join(work, 'one.jsonl'), workers: 1 }, proofs)
    load.push(loadavg()[0]!)
    two = await measure('local, 2 workers', { ...base, outPath: join(work, 'two.jsonl'), workers: 2 }, proofs)
    load.push(loadavg()[0]!)

    // The queue's topology without the queue: 2 processes, each a local pool of 1 worker, on halves of the inputs.
    const halves = [0, 1].map((h) => join(work, `half-${h}.jsonl`))
    const lines = readFileSync(inputs, 'utf8').trim().split('\n')
    await Promise.all(halves.map((path, h) => writeFile(path, lines.filter((_, i) => i % 2 === h).join('\n') + '\n')))
    const children = await Promise.all(halves.map((path, h) => poolChild(buildDir, path, join(work, `half-${h}-proofs.jsonl`), lines.filter((_, i) => i % 2 === h).length)))
    const stamps = children.flatMap((c) => c.stamps!).sort((a, b) => a - b)
    const twoProcesses: Throughput = { label: 'local, 2 processes × 1 worker', proofs: stamps.length, failed: 0, proofsPerMinute: round((stamps.length - 1) / ((stamps.at(-1)! - stamps[0]!) / 60_000), 1), msPerProof: round(mean(children.map((c) => c.msPerProof)), 1), wallSeconds: Math.max(...children.map((c) => c.wallSeconds)) }
    log(`${twoProcesses.label}: ${twoProcesses.proofsPerMinute} proofs/min`)
    twoProcessesResult = twoProcesses
    load.push(loadavg()[0]!)

    log(`queue: redis at ${redis.url}, 2 worker processes × 1 thread`)
    workers.push(spawnWorker(redis.url, join(work, 'cache-a')), spawnWorker(redis.url, join(work, 'cache-b')))
    const executor = createQueueExecutor({ url: redis.url, buildDir, logger: quiet })
    // A warm-up batch: the workers discover the build and start their pools.
    const warm = join(work, 'warm.jsonl')
    await writeFile(warm, [0, 1, 2, 3].map((i) => JSON.stringify({ id: `w${i}`, input: rows[i] })).join('\n') + '\n')
    await measure('queue warm-up', { ...base, inputsPath: warm, outPath: join(work, 'warm-proofs.jsonl'), executor }, 4)
    queue = await measure('queue, 2 worker processes', { ...base, outPath: join(work, 'queue.jsonl'), executor }, proofs)
    load.push(loadavg()[0]!)
    }

    const memory: MemoryRun[] = []
    for (const cap of [undefined, heapCap]) {
      for (const lines of memoryLines) {
        log(`memory: streaming ${lines} lines through the scheduler (instant executor)${cap ? `, old space capped at ${cap} MiB` : ''}`)
        memory.push({ ...(await runChild(memDir, lines, cap)), ...(cap ? { heapCapMiB: cap } : {}) })
        log(`  ${lines} lines: peak RSS ${memory.at(-1)!.maxRssMiB.toFixed(1)} MiB, ${memory.at(-1)!.linesPerSecond.toFixed(0)} lines/s`)
      }
    }
    const series = (cap: number | undefined) => memory.filter((m) => m.heapCapMiB === cap)
    const ratio = (runs: MemoryRun[]) => round(runs.at(-1)!.maxRssMiB / runs[0]!.maxRssMiB, 3)

    // Queue overhead per proof: the extra wall time a proof costs through the queue over the same topology without it
    // (2 processes × a 1-worker local pool), as a share of that time per proof.
    const queueOverheadPercent = round((twoProcessesResult.proofsPerMinute / queue.proofsPerMinute - 1) * 100, 1)
    const report = {
      stamp,
      model,
      cores: availableParallelism(),
      machine: machineInfo(),
      loadAverage: load.map((l) => round(l, 2)),
      throughput: { oneCore: clean(oneCore), one: clean(one), two: clean(two), coreScaling: round(two.proofsPerMinute / oneCore.proofsPerMinute, 2), ratio: round(two.proofsPerMinute / one.proofsPerMinute, 2), twoProcesses: clean(twoProcessesResult), queue: clean(queue), queueOverheadPercent },
      memory: memory.map((m) => ({ ...m, maxRssMiB: round(m.maxRssMiB, 1), rssAtStartMiB: round(m.rssAtStartMiB, 1), peakRssDuringMiB: round(m.peakRssDuringMiB, 1), peakHeapMiB: round(m.peakHeapMiB, 1), seconds: round(m.seconds, 1), linesPerSecond: Math.round(m.linesPerSecond) })),
      memoryRatio: { defaultFlags: ratio(series(undefined)), heapCapped: ratio(series(heapCap)) },
      /** Peak RSS while streaming, above the RSS when streaming began: what the batch itself adds. */
      streamingGrowthMiB: memory.map((m) => round(m.peakRssDuringMiB - m.rssAtStartMiB, 1)),
    }
    const md = [
      `# batch bench ${stamp} (${model}, ${report.cores} cores, load ${report.loadAverage.join(' / ')})`,
      '',
      '| run | proofs | proofs/min (steady) | ms/proof in worker | wall s |',
      '| --- | --- | --- | --- | --- |',
      ...[oneCore, one, two, twoProcessesResult, queue].map((t) => `| ${t.label} | ${t.proofs} | ${t.proofsPerMinute} | ${t.msPerProof} | ${t.wallSeconds} |`),
      '',
      only === 'memory' ? '(proving runs skipped: --only memory)' : `2 workers on ${report.cores} cores / 1 worker on one core: **${report.throughput.coreScaling}×**; 2 workers / 1 worker, both on ${report.cores} cores (one worker's prover then has ${report.cores} threads and overlaps witness and proof): **${report.throughput.ratio}×**. Queue overhead per proof (2 worker processes through Redis vs 2 processes × a local 1-worker pool on halves of the inputs): **${queueOverheadPercent}%**.`,
      '',
      '| inputs streamed | V8 old space | peak RSS MiB (process) | RSS at start of streaming | peak RSS while streaming | peak heap + buffers MiB | lines/s |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...report.memory.map((m) => `| ${m.lines} | ${m.heapCapMiB ? `capped at ${m.heapCapMiB} MiB` : 'default'} | ${m.maxRssMiB} | ${m.rssAtStartMiB} | ${m.peakRssDuringMiB} | ${m.peakHeapMiB} | ${m.linesPerSecond} |`),
      '',
      `Peak RSS at ${memoryLines.at(-1)} lines / at ${memoryLines[0]}: **${report.memoryRatio.defaultFlags}×** with V8's default flags, **${report.memoryRatio.heapCapped}×** with the old space capped at ${heapCap} MiB (the run would fail if the batch needed more: the live set is flat; uncapped, V8 lets garbage pile up while lines stream fast). Scheduler, id index, proofs file; an executor that answers at once; iris with public input.`,
      '',
    ].join('\n')
    await mkdir(RESULTS_DIR, { recursive: true })
    await writeFile(join(RESULTS_DIR, `batch-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
    await writeFile(join(RESULTS_DIR, `batch-${stamp}.md`), md)
    process.stdout.write(md)
  } finally {
    for (const w of workers) w.kill('SIGTERM')
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))))
    await redis.stop()
    await rm(work, { recursive: true, force: true })
    await releaseSnarkjs()
  }
}

await main()
