/**
 * glassbox's native prover against rapidsnark (iden3's C++ Groth16 prover),
 * per proof and in batch, with peak memory, on LeNet-5 and on synthetic
 * circuits of 2^power constraints (bench/syntheticCircuit.ts): range checks
 * (`synthetic`, ML-shaped) and a chain of full-size multiplications
 * (`multiplications`, not a default case).
 *
 *   npm run bench:rapidsnark -- --build /path/to/lenet5/build          # native only (no rapidsnark given)
 *   npm run bench:rapidsnark -- --rapidsnark /path/to/rapidsnark/prover --build /path/to/lenet5/build --proofs 5
 *   npm run bench:rapidsnark -- synthetic --power 18 --rapidsnark /path/to/prover
 *   npm run bench:rapidsnark -- multiplications --power 18 --rapidsnark /path/to/prover
 *   npm run bench:rapidsnark -- synthetic --work /tmp/rs-bench …   # keep (and next time reuse) the synthetic circuit and key
 *
 * rapidsnark is not a dependency: build it yourself and pass its `prover`
 * binary with `--rapidsnark` (without it the rapidsnark rows are left out).
 * Runs, on the same zkey and the same .wtns files:
 *
 * - rapidsnark: one `prover circuit.zkey witness.wtns proof.json public.json`
 *   process per proof, as a user runs it (reads the key every time);
 * - native, one process per proof: a plain Node program (no TypeScript loader)
 *   that loads the addon and the key and proves one witness (process wall
 *   time, and the prove call alone);
 * - native batch: one process, the key loaded once, every witness proved in
 *   turn; as the prover runs by default (no table) and with the fixed-base
 *   table of the H query (GLASSBOX_NATIVE_TABLE_MIB=auto, or the budget given
 *   with --table-mib), built when the key is loaded;
 * - the H MSM head to head: one more batch with GLASSBOX_NATIVE_DEBUG, whose
 *   per-MSM lines time plain Pippenger and the table back to back on the same
 *   scalars (the fairest comparison on a shared machine).
 *
 * Each of `--rounds` rounds (default 2) runs every witness through rapidsnark
 * then a native process, in turn, then the two native batches; the rows
 * aggregate the rounds (medians), so every runner is measured across the same
 * stretches of time. Wall time and CPU time (user + system, all threads) per
 * proof: the CPU ratio moves far less when other work shares the cores. Peak
 * RSS: GNU time for rapidsnark, the child's own resource usage for native.
 * Every proof is verified with snarkjs. Writes
 * bench/results/rapidsnark-<stamp>.{json,md}.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { sha256Bytes, sha256File } from '../src/artifacts/sha256File.js'
import { compileModel } from '../src/compile/compileModel.js'
import { readR1csHeader } from '../src/compile/readR1csHeader.js'
import { runCircom } from '../src/compile/runCircom.js'
import { loadNativeAddon, NATIVE_ADDON_PATH } from '../src/native/loadNativeAddon.js'
import { circuitInput, ZERO_ADDRESS } from '../src/prove/circuitInput.js'
import { loadProvingArtifacts } from '../src/prove/provingArtifacts.js'
import { devPtauPower } from '../src/setup/devPtauPower.js'
import { ensureDevPtau } from '../src/setup/ensureDevPtau.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { PEAK_RSS_MIB_SOURCE } from './peakRss.js'
import { fileStamp, machineInfo } from './report.js'
import { multiplicationChainSource, multiplicationsForPower, rangeCheckInput, rangeCheckSource, valuesForPower } from './syntheticCircuit.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const CORES = availableParallelism()
const BITS = 31
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const log = (m: string) => process.stderr.write(`[bench:rapidsnark] ${m}\n`)

type Proof = { proof: unknown; publicSignals: string[] }
/** What a native child is asked to do: load the key once, prove these witnesses. */
type ChildJob = { zkey: string; zkeySha256: string; witnesses: string[]; threads: number; workers?: number }
type ChildResult = {
  loadMs: number
  tableMs: number
  tableMiB: number
  /** The witness MSMs' tables, built by the batch's first proof beside the H table (0: none). */
  witnessTablesMiB: number
  proveMs: number[]
  proveCpuMs: number[]
  processCpuMs: number
  msmMs: number[]
  maxRssMiB: number
  proofs: Proof[]
  /** With workers: the wall and CPU time from the end of the warm-up (one proof per worker) to the last proof, and the proofs in it. */
  span?: { ms: number; cpuMs: number; proofs: number }
}
type Prepared = { name: string; zkey: string; zkeySha256: string; vkey: unknown; witnesses: string[]; constraints: number; domainPower: number; zkeyMiB: number }

/** One way of proving, summarised: per-proof medians, memory, and whether snarkjs accepted every proof. */
type Row = {
  runner: string
  /** Proofs in one process (1: a process per proof). */
  perProcess: number
  /** Median wall time per proof as a user sees it: the whole process for a process per proof, one prove call in a batch. */
  msPerProof: number
  /**
   * Median CPU time per proof (user + system, every thread): the process's for a process per
   * proof, the prove call's in a batch. It moves far less than wall time with the machine's other
   * load, so the CPU ratio is the steadier comparison on a shared machine.
   */
  cpuMsPerProof: number
  /** Median of the prove call alone (native; key loading and Node start-up excluded). */
  proveCallMs?: number
  /** Median H-query MSM inside the prove call (native). */
  msmMs?: number
  /** Key load (native: parse, once per process, and the H table when one is built). */
  loadMs?: number
  /** Building the H table, inside the key load (0: no table). */
  tableMs?: number
  tableMiB?: number
  witnessTablesMiB?: number
  /** The whole batch (load + every proof) divided by the proofs: what a batch costs per proof. */
  amortizedMs?: number
  /** Peak RSS: the median over the processes (or rounds) measured, and the highest of them. */
  maxRssMiB: number
  rssHighestMiB: number
  verified: number
  proofs: number
  env?: Record<string, string>
}
type CaseResult = Prepared & { rows: Row[]; hMsm?: { plainMs: number; tableMs: number; pairs: number; witnessMs: Record<string, number> } }

// ---------- child: the native prover in its own process ----------
/**
 * The child is plain JavaScript run by `node -e` (no tsx, no glassbox modules): a process per
 * proof then costs what a small Node program using the addon costs (start-up, addon, key, proof),
 * not a TypeScript loader's start-up.
 */
const CHILD_SOURCE = `
${PEAK_RSS_MIB_SOURCE}
const { createRequire } = require('node:module')
const { closeSync, fstatSync, openSync, readSync } = require('node:fs')
const [addonPath, jobJson] = process.argv.slice(1)
const job = JSON.parse(jobJson)
const addon = createRequire(addonPath)(addonPath)
const workers = job.workers ?? 0
;(async () => {
  const provers = Array.from({ length: Math.max(1, workers) }, () => new addon.NativeProver(job.threads))
  let t = performance.now()
  // The first load parses the key (and builds the H table); the others find it in the key cache.
  const info = await provers[0].loadKeyFile(job.zkey, job.zkeySha256)
  for (const p of provers.slice(1)) await p.loadKeyFile(job.zkey, job.zkeySha256)
  const loadMs = performance.now() - t
  const proveMs = [], proveCpuMs = [], msmMs = [], proofs = []
  // The witness MSMs' tables, built by the first proof beside an H table (the prove result's MiB less the key load's).
  let witnessTablesMiB = 0
  const record = (r) => { msmMs.push(r.msmMs); witnessTablesMiB = Math.max(witnessTablesMiB, (r.tableMib ?? 0) - (info.tableMib ?? 0)); proofs.push(JSON.parse(r.json)) }
  // Each witness is read into one reused buffer (prove copies it before it returns its promise):
  // a buffer per witness would be garbage V8 collects when it likes, counted in the peak.
  let buffer = Buffer.alloc(0)
  const witness = (path) => {
    const fd = openSync(path, 'r')
    const size = fstatSync(fd).size
    if (buffer.length < size) buffer = Buffer.alloc(size)
    let at = 0
    while (at < size) at += readSync(fd, buffer, at, size - at, at)
    closeSync(fd)
    return buffer.subarray(0, size)
  }
  let span
  if (workers) {
    // A pool: the workers share the key and prove concurrently, each taking the next witness.
    const prove = async (prover, i) => record(await prover.prove(witness(job.witnesses[i])))
    // Warm-up: each worker's first proof (the parent passes more witnesses than workers).
    await Promise.all(provers.map((p, i) => prove(p, i)))
    t = performance.now()
    const cpu = process.cpuUsage()
    let next = provers.length
    let done = 0
    await Promise.all(provers.map(async (p) => { while (next < job.witnesses.length) { await prove(p, next++); done++ } }))
    const used = process.cpuUsage(cpu)
    span = { ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, proofs: done }
  } else {
    for (const path of job.witnesses) {
      const wtns = witness(path)
      t = performance.now()
      const cpu = process.cpuUsage()
      const r = await provers[0].prove(wtns)
      proveMs.push(performance.now() - t)
      const used = process.cpuUsage(cpu)
      proveCpuMs.push((used.user + used.system) / 1000)
      record(r)
    }
  }
  for (const p of provers) p.close()
  const total = process.cpuUsage()
  process.stdout.write(JSON.stringify({ loadMs, tableMs: info.tableMs ?? 0, tableMiB: info.tableMib ?? 0, witnessTablesMiB, proveMs, proveCpuMs, processCpuMs: (total.user + total.system) / 1000, msmMs, proofs, span, maxRssMiB: peakRssMiB() }) + '\\n')
})().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exit(1) })
`

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Runs `command args…`, resolving to its stdout, stderr and wall time; rejects on a non-zero exit. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; ms: number }> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now()
    const proc = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    proc.on('error', reject)
    proc.on('close', (code) => {
      const ms = performance.now() - started
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`))
      resolvePromise({ stdout, stderr, ms })
    })
  })
}

async function nativeChild(job: ChildJob, env: Record<string, string> = {}): Promise<ChildResult & { wallMs: number; stderr: string }> {
  const { stdout, stderr, ms } = await run(process.execPath, ['-e', CHILD_SOURCE, NATIVE_ADDON_PATH, JSON.stringify(job)], env)
  return { ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult), wallMs: ms, stderr }
}

/**
 * The H MSM of each proof timed twice more, back to back on the same scalars in the same process
 * (GLASSBOX_NATIVE_DEBUG's per-MSM lines): plain Pippenger, then the fixed-base table. The fairest
 * comparison on a shared machine: both see the same load.
 */
function headToHead(stderr: string): { plainMs: number[]; tableMs: number[]; witnessMs: Record<string, number> } {
  const times = (name: string) => [...stderr.matchAll(new RegExp(`msm ${name}: ([\\d.]+) ms`, 'g'))].map((m) => Number(m[1]))
  const plainMs = times('H')
  const tableMs = [...stderr.matchAll(/msm H \(fixed-base[^\n]*\): ([\d.]+) ms/g)].map((m) => Number(m[1]))
  // The witness MSMs (sparse, mostly 0/1/small scalars), timed alone, without and with the tables for
  // their full-size scalars' bases (built by the batch's first proof beside the H table).
  const witnessMs = Object.fromEntries(['A', 'B1', 'B2', 'C'].flatMap((name) => [[name, median(times(name))], [`${name} table`, median(times(`${name} \\(table\\)`))]]))
  return { plainMs, tableMs, witnessMs }
}

/** One rapidsnark proof process; its peak RSS through GNU time when the machine has it. */
async function rapidsnarkProof(binary: string, zkey: string, wtns: string, out: string, env: Record<string, string> = {}): Promise<{ wallMs: number; cpuMs: number; maxRssMiB: number; proof: Proof }> {
  const proofPath = `${out}.proof.json`
  const publicPath = `${out}.public.json`
  const gnuTime = existsSync('/usr/bin/time')
  const args = [zkey, wtns, proofPath, publicPath]
  const { stderr, ms } = gnuTime ? await run('/usr/bin/time', ['-f', 'peak-rss-kib %M cpu-s %U %S', binary, ...args], env) : await run(binary, args, env)
  const rss = /peak-rss-kib (\d+)/.exec(stderr)
  const cpu = /cpu-s ([\d.]+) ([\d.]+)/.exec(stderr)
  const proof = { proof: JSON.parse(await readFile(proofPath, 'utf8')), publicSignals: JSON.parse(await readFile(publicPath, 'utf8')) as string[] }
  await rm(proofPath, { force: true })
  await rm(publicPath, { force: true })
  return { wallMs: ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN, maxRssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN, proof }
}

/**
 * rapidsnark on every core at once, as a batch without a batch mode is run: `processes` processes
 * of one OpenMP thread each, side by side, each proving its share of `witnesses` in turn.
 */
async function rapidsnarkParallel(binary: string, zkey: string, witnesses: string[], processes: number): Promise<{ wallMs: number; cpuMs: number; maxRssMiB: number; proofs: Proof[] }> {
  const started = performance.now()
  const lanes = await Promise.all(
    Array.from({ length: processes }, async (_, lane) => {
      const done: Awaited<ReturnType<typeof rapidsnarkProof>>[] = []
      for (let i = lane; i < witnesses.length; i += processes) {
        done.push(await rapidsnarkProof(binary, zkey, witnesses[i]!, join(dirname(witnesses[i]!), `rapidsnark-lane${lane}-${i}`), { OMP_NUM_THREADS: '1' }))
      }
      return done
    }),
  )
  const all = lanes.flat()
  // Memory of the machine: the lanes' peaks side by side.
  const maxRssMiB = lanes.reduce((sum, lane) => sum + Math.max(0, ...lane.map((r) => r.maxRssMiB)), 0)
  return { wallMs: performance.now() - started, cpuMs: all.reduce((sum, r) => sum + r.cpuMs, 0), maxRssMiB, proofs: all.map((r) => r.proof) }
}

// ---------- cases ----------
/** LeNet-5 from a compiled, set-up build folder (or compiled here at its README settings). */
async function prepareLenet(buildDir: string | undefined, proofs: number, work: string): Promise<Prepared> {
  let dir = buildDir
  if (!dir) {
    dir = join(work, 'lenet5')
    log('compiling lenet5 (--bits 8 --weight-bits 6) and setting up its keys (pass --build to reuse a build)…')
    await compileModel({ modelPath: join(ROOT, 'examples', 'lenet5', 'model.onnx'), calibrationPath: join(ROOT, 'examples', 'lenet5', 'calibration.jsonl'), outDir: dir, name: 'lenet5', bits: 8, weightBits: 6 })
    await setupKeys({ buildDir: dir, keysDir: join(ROOT, 'keys') })
    await releaseSnarkjs()
  }
  const artifacts = await loadProvingArtifacts(dir)
  const calculator = await WitnessCalculatorBuilder(artifacts.wasm)
  const rows = (await readFile(join(ROOT, 'examples', 'lenet5', 'test.jsonl'), 'utf8')).split('\n').filter((l) => l.trim())
  const witnesses: string[] = []
  for (let i = 0; i < proofs; i++) {
    const { input } = JSON.parse(rows[i % rows.length]!) as { input: number[] }
    const signals = circuitInput(artifacts.model, input, ZERO_ADDRESS, { salted: artifacts.manifest.input.salted === true }).signals as Record<string, unknown>
    witnesses.push(join(work, `lenet5-${i}.wtns`))
    await writeFile(witnesses.at(-1)!, await calculator.calculateWTNSBin(signals, true))
  }
  const paths = buildPaths(dir)
  const header = await readR1csHeader(paths.r1cs)
  const zkeySha256 = artifacts.manifest.artifacts['zkey'] ?? (await sha256File(paths.zkey))
  return {
    name: 'lenet5',
    zkey: paths.zkey,
    zkeySha256,
    vkey: JSON.parse(await readFile(paths.verificationKey, 'utf8')),
    witnesses,
    constraints: header.constraints,
    domainPower: Math.ceil(Math.log2(header.constraints + header.publicInputs + header.publicOutputs + 1)),
    zkeyMiB: artifacts.zkey.byteLength / 2 ** 20,
  }
}

/** A synthetic circuit and its inputs: the range checks (ML-shaped) or the chain of full-size multiplications. */
type SyntheticKind = 'range' | 'multiplications'

function syntheticCase(kind: SyntheticKind, power: number): { name: string; folder: string; what: string; source: string; input: (seed: number) => Record<string, unknown> } {
  if (kind === 'range') {
    const values = valuesForPower(power, BITS)
    return { name: `synthetic-2^${power}`, folder: `synthetic-${power}`, what: `${values} range checks of ${BITS} bits`, source: rangeCheckSource(values, BITS), input: (seed) => rangeCheckInput(values, BITS, seed) }
  }
  const count = multiplicationsForPower(power)
  return { name: `multiplications-2^${power}`, folder: `multiplications-${power}`, what: `a chain of ${count} full-size squarings`, source: multiplicationChainSource(count), input: (seed) => ({ x: String(seed + 2) }) }
}

/** A synthetic circuit filling 2^power, with a native dev key (keys/ ptau cache reused). */
async function prepareSynthetic(kind: SyntheticKind, power: number, proofs: number, work: string): Promise<Prepared> {
  const synthetic = syntheticCase(kind, power)
  const dir = join(work, synthetic.folder)
  const zkey = join(dir, 'circuit.zkey')
  if (existsSync(zkey) && existsSync(join(dir, 'circuit.wasm'))) {
    log(`${synthetic.name}: reusing the circuit and key in ${dir}`)
  } else {
    log(`${synthetic.name}: ${synthetic.what}, circom --O1, dev key…`)
    await runCircom({ source: synthetic.source, outDir: dir, optimization: 1 })
    const ptau = await ensureDevPtau({ power: devPtauPower(power), keysDir: join(ROOT, 'keys') })
    await loadNativeAddon()!.writeDevZkey(join(dir, 'circuit.r1cs'), ptau.path, ptau.sha256, zkey, CORES)
  }
  const header = await readR1csHeader(join(dir, 'circuit.r1cs'))
  const vkey = await snarkjs.zKey.exportVerificationKey(zkey, quiet)
  await releaseSnarkjs()
  const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(join(dir, 'circuit.wasm'))))
  const witnesses: string[] = []
  for (let i = 0; i < proofs; i++) {
    witnesses.push(join(dir, `w${i}.wtns`))
    await writeFile(witnesses.at(-1)!, await calculator.calculateWTNSBin(synthetic.input(i + 1), true))
  }
  const bytes = await readFile(zkey)
  return { name: synthetic.name, zkey, zkeySha256: sha256Bytes(bytes), vkey, witnesses, constraints: header.constraints, domainPower: power, zkeyMiB: bytes.byteLength / 2 ** 20 }
}

async function verified(vkey: unknown, proofs: Proof[]): Promise<number> {
  let ok = 0
  for (const p of proofs) if (await snarkjs.groth16.verify(vkey as never, p.publicSignals, p.proof as never)) ok++
  return ok
}

async function measure(prepared: Prepared, rapidsnark: string | undefined, threads: number, tableBudget: string, rounds: number): Promise<CaseResult> {
  const rows: Row[] = []
  const job = (witnesses: string[]): ChildJob => ({ zkey: prepared.zkey, zkeySha256: prepared.zkeySha256, witnesses, threads })
  const count = prepared.witnesses.length
  // Every round: each witness by rapidsnark then by a native process, in turn; then the two native
  // batches (without, with the H table). Rows aggregate the rounds, so each runner's figures come
  // from the same stretches of time as the others'.
  const rapid = { wallMs: [] as number[], cpuMs: [] as number[], rss: [] as number[], proofs: [] as Proof[] }
  const single = { wallMs: [] as number[], cpuMs: [] as number[], proveMs: [] as number[], msmMs: [] as number[], loadMs: [] as number[], rss: [] as number[], proofs: [] as Proof[] }
  const variants: { runner: string; env: Record<string, string> }[] = [
    { runner: 'native batch', env: { GLASSBOX_NATIVE_TABLE_MIB: '0' } },
    { runner: 'native batch, H table', env: { GLASSBOX_NATIVE_TABLE_MIB: tableBudget } },
  ]
  const runs = new Map<string, ChildResult[]>()
  // On every core at once: rapidsnark as `lanes` single-threaded processes side by side, native
  // as a pool of `lanes` single-threaded provers sharing one key; `lanes` is the native batch's
  // threads (--threads, the cores by default).
  const lanes = Math.max(2, threads)
  // Each witness twice; at least two per worker, so that proofs remain after each worker's warm-up.
  const poolWitnesses = Array.from({ length: Math.max(2 * count, 2 * lanes) }, (_, i) => prepared.witnesses[i % count]!)
  const poolVariants: { runner: string; env: Record<string, string> }[] = [
    { runner: `native pool, ${lanes} workers × 1 thread`, env: { GLASSBOX_NATIVE_TABLE_MIB: '0' } },
    { runner: `native pool, ${lanes} workers × 1 thread, H table`, env: { GLASSBOX_NATIVE_TABLE_MIB: tableBudget } },
  ]
  const rapidParallel = { msPerProof: [] as number[], cpuMs: [] as number[], rss: [] as number[], proofs: [] as Proof[] }
  for (let round = 0; round < rounds; round++) {
    for (const [i, wtns] of prepared.witnesses.entries()) {
      if (rapidsnark) {
        const r = await rapidsnarkProof(rapidsnark, prepared.zkey, wtns, join(dirname(wtns), `rapidsnark-${i}`))
        rapid.wallMs.push(r.wallMs)
        rapid.cpuMs.push(r.cpuMs)
        rapid.rss.push(r.maxRssMiB)
        rapid.proofs.push(r.proof)
      }
      // As a user runs one proof: no H table (it would cost more than the proof).
      const n = await nativeChild(job([wtns]), { GLASSBOX_NATIVE_TABLE_MIB: '0' })
      single.wallMs.push(n.wallMs)
      single.cpuMs.push(n.processCpuMs)
      single.proveMs.push(n.proveMs[0]!)
      single.msmMs.push(n.msmMs[0]!)
      single.loadMs.push(n.loadMs)
      single.rss.push(n.maxRssMiB)
      single.proofs.push(n.proofs[0]!)
      log(`${prepared.name} #${i} (round ${round + 1}/${rounds}): ${rapidsnark ? `rapidsnark ${rapid.wallMs.at(-1)!.toFixed(0)} ms, ` : ''}native process ${n.wallMs.toFixed(0)} ms (prove ${n.proveMs[0]!.toFixed(0)} ms, peak RSS ${n.maxRssMiB.toFixed(0)} MiB)`)
    }
    for (const variant of variants) {
      const n = await nativeChild(job(prepared.witnesses), variant.env)
      runs.set(variant.runner, [...(runs.get(variant.runner) ?? []), n])
      log(`${prepared.name}: ${variant.runner} (round ${round + 1}/${rounds}): load ${n.loadMs.toFixed(0)} ms, proofs ${n.proveMs.map((x) => x.toFixed(0)).join(', ')} ms, peak RSS ${n.maxRssMiB.toFixed(0)} MiB`)
    }
    if (rapidsnark) {
      const r = await rapidsnarkParallel(rapidsnark, prepared.zkey, poolWitnesses, lanes)
      rapidParallel.msPerProof.push(r.wallMs / poolWitnesses.length)
      rapidParallel.cpuMs.push(r.cpuMs / poolWitnesses.length)
      rapidParallel.rss.push(r.maxRssMiB)
      rapidParallel.proofs.push(...r.proofs)
      log(`${prepared.name}: rapidsnark, ${lanes} processes × 1 thread (round ${round + 1}/${rounds}): ${(r.wallMs / poolWitnesses.length).toFixed(0)} ms/proof`)
    }
    for (const variant of poolVariants) {
      const n = await nativeChild({ ...job(poolWitnesses), threads: 1, workers: lanes }, variant.env)
      runs.set(variant.runner, [...(runs.get(variant.runner) ?? []), n])
      log(`${prepared.name}: ${variant.runner} (round ${round + 1}/${rounds}): load ${n.loadMs.toFixed(0)} ms, ${(n.span!.ms / n.span!.proofs).toFixed(0)} ms/proof, peak RSS ${n.maxRssMiB.toFixed(0)} MiB`)
    }
  }
  if (rapidsnark) {
    rows.push({ runner: 'rapidsnark', perProcess: 1, msPerProof: median(rapid.wallMs), cpuMsPerProof: median(rapid.cpuMs), maxRssMiB: median(rapid.rss), rssHighestMiB: Math.max(...rapid.rss), verified: await verified(prepared.vkey, rapid.proofs), proofs: rapid.proofs.length })
  }
  rows.push({
    runner: 'native',
    perProcess: 1,
    msPerProof: median(single.wallMs),
    cpuMsPerProof: median(single.cpuMs),
    proveCallMs: median(single.proveMs),
    msmMs: median(single.msmMs),
    loadMs: median(single.loadMs),
    maxRssMiB: median(single.rss),
    rssHighestMiB: Math.max(...single.rss),
    verified: await verified(prepared.vkey, single.proofs),
    proofs: single.proofs.length,
  })
  for (const variant of variants) {
    const all = runs.get(variant.runner)!
    // The first proof of a batch pays one-off work (allocations, page faults): the medians are over the rest.
    const rest = (pick: (r: ChildResult) => number[]) => all.flatMap((r) => pick(r).slice(1))
    const proofsAll = all.flatMap((r) => r.proofs)
    rows.push({
      runner: variant.runner,
      perProcess: count,
      msPerProof: median(rest((r) => r.proveMs)),
      cpuMsPerProof: median(rest((r) => r.proveCpuMs)),
      proveCallMs: median(all.map((r) => r.proveMs[0]!)),
      msmMs: median(rest((r) => r.msmMs)),
      loadMs: median(all.map((r) => r.loadMs)),
      tableMs: median(all.map((r) => r.tableMs)),
      tableMiB: all[0]!.tableMiB,
      witnessTablesMiB: Math.max(...all.map((r) => r.witnessTablesMiB ?? 0)),
      amortizedMs: median(all.map((r) => (r.loadMs + r.proveMs.reduce((a, b) => a + b, 0)) / count)),
      maxRssMiB: median(all.map((r) => r.maxRssMiB)),
      rssHighestMiB: Math.max(...all.map((r) => r.maxRssMiB)),
      verified: await verified(prepared.vkey, proofsAll),
      proofs: proofsAll.length,
      env: variant.env,
    })
  }
  if (rapidsnark) {
    rows.push({ runner: `rapidsnark, ${lanes} processes × 1 thread`, perProcess: 1, msPerProof: median(rapidParallel.msPerProof), cpuMsPerProof: median(rapidParallel.cpuMs), maxRssMiB: median(rapidParallel.rss), rssHighestMiB: Math.max(...rapidParallel.rss), verified: await verified(prepared.vkey, rapidParallel.proofs), proofs: rapidParallel.proofs.length })
  }
  for (const variant of poolVariants) {
    const all = runs.get(variant.runner)!
    const proofsAll = all.flatMap((r) => r.proofs)
    rows.push({
      runner: variant.runner,
      perProcess: poolWitnesses.length,
      // After the warm-up (every worker's first proof): wall and CPU time of the rest per proof.
      msPerProof: median(all.map((r) => r.span!.ms / r.span!.proofs)),
      cpuMsPerProof: median(all.map((r) => r.span!.cpuMs / r.span!.proofs)),
      msmMs: median(all.flatMap((r) => r.msmMs)),
      loadMs: median(all.map((r) => r.loadMs)),
      tableMs: median(all.map((r) => r.tableMs)),
      tableMiB: all[0]!.tableMiB,
      witnessTablesMiB: Math.max(...all.map((r) => r.witnessTablesMiB ?? 0)),
      maxRssMiB: median(all.map((r) => r.maxRssMiB)),
      rssHighestMiB: Math.max(...all.map((r) => r.maxRssMiB)),
      verified: await verified(prepared.vkey, proofsAll),
      proofs: proofsAll.length,
      env: variant.env,
    })
  }
  // Head to head on the H MSM alone (same process, same scalars, back to back).
  const ab = await nativeChild(job(prepared.witnesses), { GLASSBOX_NATIVE_TABLE_MIB: tableBudget, GLASSBOX_NATIVE_DEBUG: '1' })
  const { plainMs, tableMs, witnessMs } = headToHead(ab.stderr)
  const hMsm = plainMs.length && tableMs.length ? { plainMs: median(plainMs), tableMs: median(tableMs), pairs: Math.min(plainMs.length, tableMs.length), witnessMs } : undefined
  if (hMsm) log(`${prepared.name}: H MSM head to head: plain ${hMsm.plainMs.toFixed(0)} ms, table ${hMsm.tableMs.toFixed(0)} ms (medians of ${hMsm.pairs})`)
  await releaseSnarkjs()
  return { ...prepared, rows, ...(hMsm ? { hMsm } : {}) }
}

function markdown(results: CaseResult[], machine: ReturnType<typeof machineInfo>, loadAfter: number[], rapidsnark: string | undefined, label: string | undefined): string {
  // The addon decides (the benched children inherit this process's environment).
  const lanes = loadNativeAddon()?.ifmaLanes?.()
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(0))
  const lines = [
    `# native prover vs rapidsnark (${new Date().toISOString()})`,
    '',
    `${machine.cpuModel} (${machine.cpuFeatures.join(', ') || 'no ADX, BMI2 or AVX-512 IFMA known'}; the native prover's IFMA lanes ${lanes === undefined ? 'unknown (an older addon)' : lanes ? 'on' : 'off'}), ${machine.cpuCount} cores, ${machine.totalMemoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverageAtStart.join(' / ')} at start, ${loadAfter.join(' / ')} at the end.`,
    rapidsnark ? `rapidsnark: \`${rapidsnark}\`${label ? ` (${label})` : ''}, one process per proof.` : 'rapidsnark: not run (pass `--rapidsnark <path to its prover binary>`).',
    '',
    '- **ms/proof**: a process per proof — the whole process (rapidsnark: read the key, prove, write; native: Node start-up, key load, prove); a batch — the median prove call after the first (key loaded once).',
    '- **H table**: the fixed-base table of the H query (GLASSBOX_NATIVE_TABLE_MIB), built inside the key load (its MiB, + those of the witness MSMs\' tables, built by the first proof); **first proof**: the batch\'s first prove call; **amortized**: (key load + every prove call) ÷ proofs.',
    '- **CPU ms/proof**: user + system time of every thread (the process for a process per proof, the prove call in a batch): steadier than wall time when other work shares the cores.',
    '- **peak RSS**: of the prover process (GNU time for rapidsnark, the Node child\'s own for native); rapidsnark\'s parallel processes: their peaks added; the median over the processes or rounds, and the highest (a process\'s peak varies from run to run with the allocator\'s reuse of freed memory).',
    '- **every core at once**: `rapidsnark, N processes × 1 thread` runs N single-threaded (OMP_NUM_THREADS=1) processes side by side, each proving its share; `native pool, N workers × 1 thread` is one process with N single-threaded provers sharing one key (and its table), each taking the next witness: ms/proof is wall time ÷ proofs after every worker\'s first proof (each witness twice).',
    '',
    '| circuit | domain | runner | proofs/process | ms/proof | CPU ms/proof | prove call ms | H MSM ms | key load ms | of which H table ms (MiB) | first proof ms | amortized ms | peak RSS MiB median (highest) | verified |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    for (const row of r.rows) {
      const batch = row.perProcess > 1
      lines.push(
        `| ${r.name} | 2^${r.domainPower} | ${row.runner} | ${row.perProcess} | ${f(row.msPerProof)} | ${f(row.cpuMsPerProof)} | ${batch ? '–' : f(row.proveCallMs)} | ${f(row.msmMs)} | ${f(row.loadMs)} | ${row.tableMiB ? `${f(row.tableMs)} (${f(row.tableMiB)}${row.witnessTablesMiB ? ` + ${f(row.witnessTablesMiB)}` : ''})` : '–'} | ${batch ? f(row.proveCallMs) : '–'} | ${f(row.amortizedMs)} | ${f(row.maxRssMiB)} (${f(row.rssHighestMiB)}) | ${row.verified}/${row.proofs} |`,
      )
    }
  }
  const ab = results.filter((r) => r.hMsm)
  if (ab.length) {
    lines.push(
      '',
      'The H MSM head to head: each proof of one more batch times it twice more, back to back on the same scalars in the same process (GLASSBOX_NATIVE_DEBUG), plain Pippenger then the fixed-base table; medians. The witness MSMs (A, B1, B2, C: sparse, mostly 0/1/small scalars), timed alone in the same run, plain → with the tables of their full-size scalars\' bases (in a proof they run one after another, before the FFTs).',
      '',
      '| circuit | H plain ms | H table ms | plain ÷ table | A ms | B1 ms | B2 (G2) ms | C ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    )
    for (const r of ab) {
      const w = r.hMsm!.witnessMs
      const pair = (name: string) => `${f(w[name])} → ${f(w[`${name} table`])}`
      lines.push(`| ${r.name} | ${r.hMsm!.plainMs.toFixed(0)} | ${r.hMsm!.tableMs.toFixed(0)} | ${(r.hMsm!.plainMs / r.hMsm!.tableMs).toFixed(2)}× | ${pair('A')} | ${pair('B1')} | ${pair('B2')} | ${pair('C')} |`)
    }
  }
  if (rapidsnark) {
    lines.push(
      '',
      'rapidsnark ÷ native per proof (above 1: native is faster), by wall time and by CPU time, against rapidsnark\'s process per proof with every thread and against its fastest way on every core (whichever of the two rapidsnark rows has the lower ms/proof):',
      '',
      '| circuit | native runner | wall-time ratio | CPU-time ratio | wall-time ratio vs rapidsnark\'s fastest |',
      '|---|---|---:|---:|---:|',
    )
    for (const r of results) {
      const rapidRows = r.rows.filter((x) => x.runner.startsWith('rapidsnark'))
      const rapid = rapidRows.find((x) => x.runner === 'rapidsnark')
      const fastest = rapidRows.reduce<Row | undefined>((best, x) => (!best || x.msPerProof < best.msPerProof ? x : best), undefined)
      for (const row of r.rows.filter((x) => !x.runner.startsWith('rapidsnark'))) {
        if (rapid && fastest) lines.push(`| ${r.name} | ${row.runner} | ${(rapid.msPerProof / row.msPerProof).toFixed(2)}× | ${(rapid.cpuMsPerProof / row.cpuMsPerProof).toFixed(2)}× | ${(fastest.msPerProof / row.msPerProof).toFixed(2)}× (${fastest.runner}) |`)
      }
    }
  }
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      rapidsnark: { type: 'string' },
      'rapidsnark-label': { type: 'string' },
      build: { type: 'string' },
      proofs: { type: 'string', default: '5' },
      power: { type: 'string', default: '18' },
      threads: { type: 'string', default: String(CORES) },
      'table-mib': { type: 'string', default: 'auto' },
      rounds: { type: 'string', default: '2' },
      work: { type: 'string' },
    },
  })
  const proofs = Number(values.proofs)
  const power = Number(values.power)
  const threads = Number(values.threads)
  const rounds = Math.max(1, Number(values.rounds))
  if (!(proofs >= 2)) throw new Error('--proofs must be at least 2 (a batch\'s first proof is reported apart from the rest)')
  const rapidsnark = values.rapidsnark ? resolve(values.rapidsnark) : undefined
  if (rapidsnark && !existsSync(rapidsnark)) throw new Error(`--rapidsnark ${rapidsnark}: no such file (the path of rapidsnark's \`prover\` binary)`)
  if (!rapidsnark) log('no --rapidsnark <path to its prover binary>: measuring the native prover only')
  if (!loadNativeAddon({ logger: { info: log, warn: log, debug() {} } })) throw new Error('The native addon is not built: run `npm run build:native` first.')
  const wanted = positionals.length ? positionals : ['lenet5', 'synthetic']
  const machine = machineInfo()
  // --work keeps the prepared circuits (and reuses them on the next run with the same folder).
  const work = values.work ? resolve(values.work) : await mkdtemp(join(tmpdir(), 'glassbox-bench-rapidsnark-'))
  await mkdir(work, { recursive: true })
  const results: CaseResult[] = []
  try {
    for (const name of wanted) {
      if (name === 'lenet5') results.push(await measure(await prepareLenet(values.build, proofs, work), rapidsnark, threads, values['table-mib'], rounds))
      else if (name === 'synthetic') results.push(await measure(await prepareSynthetic('range', power, proofs, work), rapidsnark, threads, values['table-mib'], rounds))
      else if (name === 'multiplications') results.push(await measure(await prepareSynthetic('multiplications', power, proofs, work), rapidsnark, threads, values['table-mib'], rounds))
      else throw new Error(`unknown case ${name} (lenet5, synthetic, multiplications)`)
    }
  } finally {
    if (!values.work) await rm(work, { recursive: true, force: true })
  }
  const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100)
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = fileStamp(new Date())
  const json = join(RESULTS_DIR, `rapidsnark-${stamp}.json`)
  const md = join(RESULTS_DIR, `rapidsnark-${stamp}.md`)
  const strip = results.map(({ witnesses: _w, vkey: _v, zkey: _z, ...rest }) => rest)
  await writeFile(json, `${JSON.stringify({ machine, loadAverageAtEnd: loadAfter, rapidsnark: rapidsnark ?? null, rapidsnarkLabel: values['rapidsnark-label'] ?? null, threads, results: strip }, null, 2)}\n`)
  await writeFile(md, markdown(results, machine, loadAfter, rapidsnark, values['rapidsnark-label']))
  process.stdout.write(await readFile(md, 'utf8'))
  log(`wrote ${json} and ${md}`)
}

await main()
