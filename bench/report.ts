/**
 * The benchmark's result shape, machine info, the markdown table and the
 * files under bench/results/.
 */
import { readFileSync } from 'node:fs'
import { copyFile, mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'

export type ProveFigures = {
  workers: number
  proofs: number
  failures: number
  /** Mean of the records' `ms` (witness + proof inside a worker). */
  msPerProof: number
  /** Wall time of the whole proveBatch call (pool start, key loading, proving, writing). */
  wallSeconds: number
  proofsPerMinute: number
}

export type ExampleResult = {
  model: string
  constraints: number
  publicSignals: number
  compileSeconds: number
  setup: {
    seconds: number
    /** The power the circuit needs. */
    requiredPower: number
    /** The power of the ptau file actually used (a cached larger one may serve). */
    ptauPower: number
    /** Whether the ptau was generated in this run (not found in the cache). */
    ptauGenerated: boolean
  }
  prove: {
    oneWorker: ProveFigures
    twoWorkers: ProveFigures
    throughputRatio: number
    /** The portable baseline in the same run: snarkjs, 1 worker. */
    snarkjsOneWorker: ProveFigures
    /** Default backend's proofs/min over snarkjs's, 1 worker each. */
    speedupOverSnarkjs: number
    loadAverageBefore: number[]
  }
  verify: {
    offChainValid: number
    offChainTotal: number
    offChainSeconds: number
    onChainValid: number
    onChainTotal: number
    onChainSeconds: number
    verificationGas: string | null
  }
}

export type BenchReport = {
  startedAt: string
  finishedAt: string
  totalSeconds: number
  machine: { os: string; cpuModel: string; cpuCount: number; cpuFeatures: string[]; totalMemoryGiB: number; node: string; loadAverageAtStart: number[] }
  results: ExampleResult[]
}

export function machineInfo(): BenchReport['machine'] {
  const list = cpus()
  return {
    os: `${platform()} ${release()}`,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    cpuFeatures: proverCpuFeatures(),
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    // Other processes on the machine skew every figure: record how busy it was.
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}

/**
 * The CPU features the native prover's speed depends on (Linux: /proc/cpuinfo; elsewhere
 * none known): AVX-512 IFMA decides whether its MSMs and FFTs run on the lanes, so two
 * machines' figures compare only with these beside them.
 */
export function proverCpuFeatures(): string[] {
  let cpuinfo: string
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    return []
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? [])
  return ['adx', 'bmi2', 'avx512f', 'avx512ifma'].filter((flag) => flags.has(flag))
}

const COLUMNS = [
  'model',
  'constraints',
  'public signals',
  'compile s',
  'setup s (ptau power, generated?)',
  'ms/proof 1 worker',
  'ms/proof 2 workers',
  'proofs/min 1w',
  'proofs/min 2w',
  '2w/1w ratio',
  'snarkjs ms/proof 1w',
  'speed-up vs snarkjs (1w)',
  'verify gas',
]

/** A figure for the table; n/a when it could not be measured (e.g. every proof failed). */
function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

export function markdownTable(results: readonly ExampleResult[]): string {
  const rows = results.map((r) => [
    r.model,
    String(r.constraints),
    String(r.publicSignals),
    r.compileSeconds.toFixed(1),
    `${r.setup.seconds.toFixed(1)} (2^${r.setup.ptauPower}, ${r.setup.ptauGenerated ? 'generated' : 'cached'})`,
    fixed(r.prove.oneWorker.msPerProof, 0),
    fixed(r.prove.twoWorkers.msPerProof, 0),
    fixed(r.prove.oneWorker.proofsPerMinute, 1),
    fixed(r.prove.twoWorkers.proofsPerMinute, 1),
    fixed(r.prove.throughputRatio, 2),
    fixed(r.prove.snarkjsOneWorker.msPerProof, 0),
    `${fixed(r.prove.speedupOverSnarkjs, 1)}×`,
    r.verify.verificationGas ?? 'n/a',
  ])
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...rows.map(line)].join('\n')
}

export function markdownReport(report: BenchReport): string {
  const m = report.machine
  const notes = report.results.map(
    (r) =>
      `- ${r.model}: ${r.prove.twoWorkers.proofs} proofs per run; off-chain ${r.verify.offChainValid}/${r.verify.offChainTotal} valid, ` +
      `on-chain ${r.verify.onChainValid}/${r.verify.onChainTotal} valid; circuit needs 2^${r.setup.requiredPower}; ` +
      `load average before proving ${r.prove.loadAverageBefore.join(' / ')}`,
  )
  return [
    `# glassbox benchmark, ${report.startedAt}`,
    '',
    `Machine: ${m.cpuModel} × ${m.cpuCount}, ${m.totalMemoryGiB} GiB, ${m.os}, Node ${m.node}, load average at start ${m.loadAverageAtStart.join(' / ')}. Total run ${report.totalSeconds.toFixed(0)} s.`,
    '',
    markdownTable(report.results),
    '',
    ...notes,
    '',
  ].join('\n')
}

/** File-name-safe ISO timestamp: 2025-01-31T12-34-56Z. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')
}

/** Writes `<stamp>.json`, `<stamp>.md` and `latest.md`; returns the paths written. */
export async function writeResults(dir: string, stamp: string, report: BenchReport): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const json = join(dir, `${stamp}.json`)
  const md = join(dir, `${stamp}.md`)
  const latest = join(dir, 'latest.md')
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(md, markdownReport(report))
  await copyFile(md, latest)
  return [json, md, latest]
}
