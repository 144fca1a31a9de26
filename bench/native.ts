/**
 * Native prover vs snarkjs, per proof, on the bundled examples and on a
 * synthetic range-check circuit of 2^power constraints (default 18).
 *
 *   npm run bench:native                                  # iris, digits, synthetic 2^18
 *   npm run bench:native -- synthetic --power 16 --proofs 3
 *   npm run bench:native -- synthetic --snarkjs-setup      # also time snarkjs zkey new + contribute
 *
 * Each prover runs in its own child process (so peak RSS is its own), proving
 * the same witness files; every proof is then checked with snarkjs. Writes
 * bench/results/native-<stamp>.{json,md}.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../src/artifacts/buildPaths.js'
import { readManifest } from '../src/artifacts/manifest.js'
import { compileModel } from '../src/compile/compileModel.js'
import { readR1csHeader } from '../src/compile/readR1csHeader.js'
import { runCircom } from '../src/compile/runCircom.js'
import { loadNativeAddon } from '../src/native/loadNativeAddon.js'
import { circuitInput, ZERO_ADDRESS } from '../src/prove/circuitInput.js'
import { loadProvingArtifacts } from '../src/prove/provingArtifacts.js'
import { devPtauPower } from '../src/setup/devPtauPower.js'
import { ensureDevPtau } from '../src/setup/ensureDevPtau.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { peakRssMiB } from './peakRss.js'
import { fileStamp, machineInfo } from './report.js'
import { rangeCheckConstraints, rangeCheckInput, rangeCheckSource, valuesForPower } from './syntheticCircuit.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const SELF = fileURLToPath(import.meta.url)
const CORES = availableParallelism()
const BITS = 31
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const log = (m: string) => process.stderr.write(`[bench:native] ${m}\n`)

type Runner = { backend: 'native' | 'snarkjs'; threads: number }
type ChildJob = Runner & { zkey: string; witnesses: string[]; zkeySha256?: string }
type ChildResult = { loadMs: number; proveMs: number[]; cpuMs: number[]; maxRssMiB: number; proofs: { proof: unknown; publicSignals: string[] }[]; phases?: Record<string, number> }
type RunFigures = Runner & { loadMs: number; msPerProof: number; cpuMsPerProof: number; proveMs: number[]; maxRssMiB: number; verified: number; phases?: Record<string, number> }
type CaseResult = {
  name: string
  constraints: number
  domainPower: number
  witnessMs: number
  /** Dev setup from nothing: native ptau + native key; snarkjs's zkey new + contribute for comparison (with --snarkjs-setup). */
  setup?: { ptauSeconds: number; zkeySeconds: number; totalSeconds: number; snarkjs?: { newZKeySeconds: number; contributeSeconds: number } }
  runs: RunFigures[]
  ratios: { sameThreads: number; cpu: number; label: string }[]
}

// ---------- child: one prover, one process ----------
async function child(job: ChildJob): Promise<ChildResult> {
  const witnesses = await Promise.all(job.witnesses.map(async (w) => new Uint8Array(await readFile(w))))
  const zkey = new Uint8Array(await readFile(job.zkey))
  const proveMs: number[] = []
  const cpuMs: number[] = []
  const proofs: ChildResult['proofs'] = []
  let loadMs = 0
  let phases: Record<string, number> | undefined
  if (job.backend === 'native') {
    const addon = loadNativeAddon()
    if (!addon) throw new Error('native addon not built')
    const prover = new addon.NativeProver(job.threads)
    let t = performance.now()
    await prover.loadKey(zkey, job.zkeySha256 ?? null)
    loadMs = performance.now() - t
    phases = {}
    for (const w of witnesses) {
      t = performance.now()
      const cpu = process.cpuUsage()
      const r = await prover.prove(w)
      proveMs.push(performance.now() - t)
      cpuMs.push(cpuMillis(process.cpuUsage(cpu)))
      proofs.push(JSON.parse(r.json))
      for (const [k, v] of Object.entries(r)) if (k !== 'json' && typeof v === 'number') phases[k] = (phases[k] ?? 0) + v / witnesses.length
    }
    prover.close()
  } else {
    for (const w of witnesses) {
      const t = performance.now()
      const cpu = process.cpuUsage()
      proofs.push(await snarkjs.groth16.prove({ type: 'mem', data: zkey }, { type: 'mem', data: w }, undefined, { singleThread: job.threads === 1 }))
      proveMs.push(performance.now() - t)
      cpuMs.push(cpuMillis(process.cpuUsage(cpu)))
    }
    await releaseSnarkjs()
  }
  return { loadMs, proveMs, cpuMs, proofs, maxRssMiB: peakRssMiB(), ...(phases ? { phases } : {}) }
}

/** User + system CPU time of the whole process (all its threads), in ms. */
function cpuMillis(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function runChild(job: ChildJob): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()))
    proc.on('error', reject)
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${job.backend} child exited with ${code}`))
      resolvePromise(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult)
    })
  })
}

// ---------- cases ----------
type Prepared = { name: string; zkey: string; vkey: unknown; zkeySha256?: string; witnesses: string[]; witnessMs: number; constraints: number; domainPower: number; setup?: CaseResult['setup'] }

async function prepareExample(name: 'iris' | 'digits', proofs: number, work: string): Promise<Prepared> {
  const buildDir = join(work, name)
  log(`${name}: compile + setup…`)
  await compileModel({ modelPath: join(ROOT, 'examples', name, 'model.onnx'), calibrationPath: join(ROOT, 'examples', name, 'calibration.jsonl'), outDir: buildDir, name })
  await setupKeys({ buildDir, keysDir: join(ROOT, 'keys') })
  await releaseSnarkjs()
  const artifacts = await loadProvingArtifacts(buildDir)
  const calculator = await WitnessCalculatorBuilder(artifacts.wasm)
  const lines = (await readFile(join(ROOT, 'examples', name, 'test.jsonl'), 'utf8')).split('\n').filter((l) => l.trim()).slice(0, proofs)
  const witnesses: string[] = []
  const started = performance.now()
  for (const [i, line] of lines.entries()) {
    const { input } = JSON.parse(line) as { input: number[] }
    const wtns = await calculator.calculateWTNSBin(circuitInput(artifacts.model, input, ZERO_ADDRESS, { salted: artifacts.manifest.input.salted === true }).signals as Record<string, unknown>, true)
    witnesses.push(join(work, `${name}-${i}.wtns`))
    await writeFile(witnesses.at(-1)!, wtns)
  }
  const witnessMs = (performance.now() - started) / lines.length
  const header = await readR1csHeader(buildPaths(buildDir).r1cs)
  const manifest = await readManifest(buildDir)
  return {
    name,
    zkey: buildPaths(buildDir).zkey,
    vkey: JSON.parse(await readFile(buildPaths(buildDir).verificationKey, 'utf8')),
    ...(manifest.artifacts['zkey'] ? { zkeySha256: manifest.artifacts['zkey'] } : {}),
    witnesses,
    witnessMs,
    constraints: header.constraints,
    domainPower: Math.ceil(Math.log2(header.constraints + header.publicInputs + header.publicOutputs + 1)),
  }
}

async function prepareSynthetic(power: number, proofs: number, work: string, compareSetup: boolean): Promise<Prepared> {
  const values = valuesForPower(power, BITS)
  const dir = join(work, `synthetic-${power}`)
  log(`synthetic 2^${power}: ${values} range checks of ${BITS} bits (${rangeCheckConstraints(values, BITS)} constraints), circom --O1…`)
  await runCircom({ source: rangeCheckSource(values, BITS), outDir: dir, optimization: 1 })
  const header = await readR1csHeader(join(dir, 'circuit.r1cs'))
  // A fresh keys folder: the dev setup is measured from nothing, ptau included.
  const keysDir = join(work, 'keys')
  log(`synthetic 2^${power}: dev ptau (native)…`)
  let t = performance.now()
  const ptau = await ensureDevPtau({ power: devPtauPower(power), keysDir })
  const ptauSeconds = (performance.now() - t) / 1000
  log(`synthetic 2^${power}: ptau ${ptauSeconds.toFixed(1)} s; native Groth16 key…`)
  const addon = loadNativeAddon()!
  t = performance.now()
  await addon.writeDevZkey(join(dir, 'circuit.r1cs'), ptau.path, ptau.sha256, join(dir, 'circuit.zkey'), CORES)
  const zkeySeconds = (performance.now() - t) / 1000
  log(`synthetic 2^${power}: key ${zkeySeconds.toFixed(1)} s`)
  let snarkjsSetup: { newZKeySeconds: number; contributeSeconds: number } | undefined
  if (compareSetup) {
    log(`synthetic 2^${power}: snarkjs zkey new (for comparison)…`)
    t = performance.now()
    await snarkjs.zKey.newZKey(join(dir, 'circuit.r1cs'), ptau.path, join(dir, 'js0.zkey'), quiet)
    const newZKeySeconds = (performance.now() - t) / 1000
    log(`synthetic 2^${power}: snarkjs zkey new ${newZKeySeconds.toFixed(1)} s; contribute…`)
    t = performance.now()
    await snarkjs.zKey.contribute(join(dir, 'js0.zkey'), join(dir, 'js.zkey'), 'bench', 'bench entropy', quiet)
    snarkjsSetup = { newZKeySeconds, contributeSeconds: (performance.now() - t) / 1000 }
  }
  const vkey = await snarkjs.zKey.exportVerificationKey(join(dir, 'circuit.zkey'), quiet)
  await releaseSnarkjs()
  const calculator = await WitnessCalculatorBuilder(new Uint8Array(await readFile(join(dir, 'circuit.wasm'))))
  const witnesses: string[] = []
  t = performance.now()
  for (let i = 0; i < proofs; i++) {
    const wtns = await calculator.calculateWTNSBin(rangeCheckInput(values, BITS, i + 1), true)
    witnesses.push(join(dir, `w${i}.wtns`))
    await writeFile(witnesses.at(-1)!, wtns)
  }
  const witnessMs = (performance.now() - t) / proofs
  const { createHash } = await import('node:crypto')
  const zkeySha256 = createHash('sha256').update(await readFile(join(dir, 'circuit.zkey'))).digest('hex')
  return {
    name: `synthetic-2^${power}`,
    zkey: join(dir, 'circuit.zkey'),
    vkey,
    zkeySha256,
    witnesses,
    witnessMs,
    constraints: header.constraints,
    domainPower: power,
    setup: { ptauSeconds, zkeySeconds, totalSeconds: ptauSeconds + zkeySeconds, ...(snarkjsSetup ? { snarkjs: snarkjsSetup } : {}) },
  }
}

async function measure(prepared: Prepared, runners: Runner[]): Promise<CaseResult> {
  const runs: RunFigures[] = []
  for (const runner of runners) {
    log(`${prepared.name}: ${runner.backend} × ${runner.threads} thread(s), ${prepared.witnesses.length} proofs…`)
    const result = await runChild({ ...runner, zkey: prepared.zkey, witnesses: prepared.witnesses, ...(prepared.zkeySha256 ? { zkeySha256: prepared.zkeySha256 } : {}) })
    let verified = 0
    for (const p of result.proofs) if (await snarkjs.groth16.verify(prepared.vkey as never, p.publicSignals, p.proof as never)) verified++
    const msPerProof = median(result.proveMs)
    runs.push({ ...runner, loadMs: result.loadMs, msPerProof, cpuMsPerProof: median(result.cpuMs), proveMs: result.proveMs, maxRssMiB: result.maxRssMiB, verified, ...(result.phases ? { phases: result.phases } : {}) })
    log(`  median ${msPerProof.toFixed(0)} ms/proof, ${verified}/${result.proofs.length} verified, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`)
  }
  await releaseSnarkjs()
  const ratios = [1, CORES].filter((t, i, a) => a.indexOf(t) === i).flatMap((threads) => {
    const js = runs.find((r) => r.backend === 'snarkjs' && r.threads === threads)
    const native = runs.find((r) => r.backend === 'native' && r.threads === threads)
    return js && native ? [{ sameThreads: js.msPerProof / native.msPerProof, cpu: js.cpuMsPerProof / native.cpuMsPerProof, label: `${threads} thread(s)` }] : []
  })
  const { name, constraints, domainPower, witnessMs, setup } = prepared
  return { name, constraints, domainPower, witnessMs, ...(setup ? { setup } : {}), runs, ratios }
}

function markdown(results: CaseResult[], machine: ReturnType<typeof machineInfo>, loadAfter: number[]): string {
  const lines = [
    `# native prover vs snarkjs (${new Date().toISOString()})`,
    '',
    `${machine.cpuModel}, ${machine.cpuCount} cores, ${machine.totalMemoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverageAtStart.join(' / ')} at start, ${loadAfter.join(' / ')} at the end (other processes share these cores: absolute times are noisy, runs are interleaved per case).`,
    '',
    'Per proof: the median wall time of `prove(wtns)` (witness given; witness generation measured separately), each backend in its own process. Native loads the key once (pinned by SHA-256); snarkjs reads it on every proof.',
    '',
    '| circuit | constraints | witness (wasm) ms | backend | threads | key load ms | ms/proof (wall) | CPU ms/proof | verified | peak RSS MiB |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    for (const run of r.runs) {
      lines.push(`| ${r.name} | ${r.constraints} | ${r.witnessMs.toFixed(0)} | ${run.backend} | ${run.threads} | ${run.backend === 'native' ? run.loadMs.toFixed(0) : '–'} | ${run.msPerProof.toFixed(0)} | ${run.cpuMsPerProof.toFixed(0)} | ${run.verified}/${run.proveMs.length} | ${run.maxRssMiB.toFixed(0)} |`)
    }
  }
  lines.push('', 'Ratios: snarkjs ÷ native with the same thread count, by wall time per proof and by CPU time per proof (CPU time does not depend on what else the machine runs).', '', '| circuit | threads | wall-time ratio | CPU-time ratio |', '|---|---:|---:|---:|')
  for (const r of results) for (const x of r.ratios) lines.push(`| ${r.name} | ${x.label} | ${x.sameThreads.toFixed(1)}× | ${x.cpu.toFixed(1)}× |`)
  const withSetup = results.filter((r) => r.setup)
  if (withSetup.length) {
    lines.push('', 'Dev setup from nothing (no cached ptau): native ptau + native Groth16 key; snarkjs zkey new + contribute on the same ptau for comparison (`--snarkjs-setup`).', '', '| circuit | ptau (native) s | key (native) s | dev setup total s | snarkjs zkey new s | snarkjs contribute s |', '|---|---:|---:|---:|---:|---:|')
    for (const r of withSetup) {
      const js = r.setup!.snarkjs
      lines.push(`| ${r.name} | ${r.setup!.ptauSeconds.toFixed(1)} | ${r.setup!.zkeySeconds.toFixed(1)} | ${r.setup!.totalSeconds.toFixed(1)} | ${js ? js.newZKeySeconds.toFixed(1) : '–'} | ${js ? js.contributeSeconds.toFixed(1) : '–'} |`)
    }
  }
  const phased = results.flatMap((r) => r.runs.filter((x) => x.phases).map((x) => ({ name: r.name, run: x })))
  if (phased.length) {
    lines.push('', 'Native phases (mean ms per proof): witness parse, the A, B1, B2, C MSMs, QAP evaluation (with the witness as integers), the six FFTs (with A·B − C), the H MSM, the self-check against the verification key.', '', '| circuit | threads | parse | witness MSMs | qap | fft | H MSM | verify |', '|---|---:|---:|---:|---:|---:|---:|---:|')
    for (const { name, run } of phased) {
      const p = run.phases!
      lines.push(`| ${name} | ${run.threads} | ${(p['witnessMs'] ?? 0).toFixed(0)} | ${(p['witnessMsmMs'] ?? 0).toFixed(0)} | ${(p['qapMs'] ?? 0).toFixed(0)} | ${(p['fftMs'] ?? 0).toFixed(0)} | ${(p['msmMs'] ?? 0).toFixed(0)} | ${(p['verifyMs'] ?? 0).toFixed(0)} |`)
    }
  }
  return `${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const childAt = args.indexOf('--child')
  if (childAt >= 0) {
    const result = await child(JSON.parse(args[childAt + 1]!) as ChildJob)
    process.stdout.write(`${JSON.stringify(result)}\n`)
    return
  }
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(`--${name}`)
    return at >= 0 ? Number(args[at + 1]) : fallback
  }
  const power = option('power', 18)
  const proofs = option('proofs', 0)
  const cases = args.filter((a, i) => !a.startsWith('--') && !['--power', '--proofs'].includes(args[i - 1] ?? ''))
  const wanted = cases.length ? cases : ['iris', 'digits', 'synthetic']
  if (!loadNativeAddon({ logger: { info: log, warn: log, debug() {} } })) throw new Error('The native addon is not built: run `npm run build:native` first.')

  const machine = machineInfo()
  const work = await mkdtemp(join(tmpdir(), 'glassbox-bench-native-'))
  const results: CaseResult[] = []
  for (const name of wanted) {
    if (name === 'iris' || name === 'digits') {
      const prepared = await prepareExample(name, proofs || 6, work)
      results.push(await measure(prepared, [{ backend: 'snarkjs', threads: 1 }, { backend: 'native', threads: 1 }, { backend: 'snarkjs', threads: CORES }, { backend: 'native', threads: CORES }]))
    } else if (name === 'synthetic') {
      const prepared = await prepareSynthetic(power, proofs || 3, work, args.includes('--snarkjs-setup'))
      results.push(await measure(prepared, [{ backend: 'snarkjs', threads: CORES }, { backend: 'native', threads: CORES }, { backend: 'snarkjs', threads: 1 }, { backend: 'native', threads: 1 }]))
    } else {
      throw new Error(`unknown case ${name} (iris, digits, synthetic)`)
    }
  }
  const loadAfter = loadavg().map((l) => Math.round(l * 100) / 100)
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = fileStamp(new Date())
  const json = join(RESULTS_DIR, `native-${stamp}.json`)
  const md = join(RESULTS_DIR, `native-${stamp}.md`)
  await writeFile(json, `${JSON.stringify({ machine, loadAverageAtEnd: loadAfter, power, results }, null, 2)}\n`)
  await writeFile(md, markdown(results, machine, loadAfter))
  process.stdout.write(await readFile(md, 'utf8'))
  log(`wrote ${json} and ${md}`)
}

await main()
