/**
 * Whole-command proving, as a new user runs it: `glassbox prove` of 1, 3 and
 * 64 LeNet-5 inputs with the native backend and with `--backend snarkjs`,
 * each the wall time of the whole process (start-up, key loading, pool,
 * witnesses, proofs, the proofs file), the two backends interleaved per
 * count, with the pool the planner picks. See bench/README.md.
 *
 *   npm run build && npm run bench:prove                      # lenet5, 1, 3 and 64 proofs
 *   npm run bench:prove -- --counts 1,3 --build build/lenet5  # reuse a compiled and set-up folder
 *   npm run bench:prove -- --counts 1,3 --repeat 3            # each count 3 times (medians; the spread beside them)
 *
 * Writes bench/results/prove-<stamp>.{json,md}.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { compileModel } from '../src/compile/compileModel.js'
import { setupKeys } from '../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../src/snark/snarkjsLogger.js'
import { round } from './measure.js'
import { fileStamp, machineInfo } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const KEYS_DIR = join(ROOT, 'keys')
const BACKENDS = ['native', 'snarkjs'] as const

type Run = { proofs: number; backend: (typeof BACKENDS)[number]; repeat: number; seconds: number; peakRssMiB: number | null; pool: string }

/** One `glassbox prove` process; its peak RSS through GNU time when the machine has it. */
async function proveOnce(buildDir: string, inputs: string, out: string, backend: string): Promise<{ seconds: number; peakRssMiB: number | null; pool: string }> {
  const gnuTime = existsSync('/usr/bin/time')
  const args = [join(ROOT, 'bin', 'glassbox.js'), 'prove', buildDir, '--inputs', inputs, '--out', out, '--backend', backend, '--verbose']
  const [command, argv] = gnuTime ? ['/usr/bin/time', ['-f', 'peak-rss-kib %M', process.execPath, ...args]] : [process.execPath, args]
  const started = performance.now()
  const stderr = await new Promise<string>((resolvePromise, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
    let text = ''
    child.stderr.on('data', (c: Buffer) => (text += c.toString()))
    child.once('exit', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`glassbox prove --backend ${backend} exited ${code}:\n${text.slice(-2000)}`))))
  })
  const seconds = (performance.now() - started) / 1000
  const rss = /peak-rss-kib (\d+)/.exec(stderr)
  const pool = /proving with ([^\n]*?), \d+ in flight/.exec(stderr)?.[1] ?? '?'
  await rm(out, { force: true })
  await rm(out.replace(/\.jsonl$/, '.errors.jsonl'), { force: true })
  return { seconds: round(seconds, 2), peakRssMiB: rss ? round(Number(rss[1]) / 1024, 0) : null, pool }
}

/** Median seconds (upper middle) of one count and backend, the spread, the pool and the median peak RSS. */
function summary(runs: Run[]): { seconds: number; text: string; pool: string; peakRssMiB: number | null } {
  const middle = <T>(sorted: T[]): T => sorted[Math.floor(sorted.length / 2)]!
  const seconds = runs.map((r) => r.seconds).sort((a, b) => a - b)
  const rss = runs.map((r) => r.peakRssMiB).filter((x): x is number => x !== null).sort((a, b) => a - b)
  const median = middle(seconds)
  return {
    seconds: median,
    text: runs.length > 1 ? `${median} [${seconds[0]}–${seconds.at(-1)}]` : String(median),
    pool: [...new Set(runs.map((r) => r.pool))].join('; '),
    peakRssMiB: rss.length ? middle(rss) : null,
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { counts: { type: 'string', default: '1,3,64' }, build: { type: 'string' }, repeat: { type: 'string', default: '1' } } })
  const counts = values.counts.split(',').map(Number)
  const repeat = Number(values.repeat)
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat ${values.repeat}: a whole number of runs per count, at least 1`)
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (the bench runs the built CLI)')
  const started = new Date()
  const work = await mkdtemp(join(tmpdir(), 'glassbox-bench-prove-'))
  try {
    let buildDir = values.build
    if (!buildDir) {
      buildDir = join(work, 'lenet5')
      process.stderr.write('compiling lenet5 (--bits 8 --weight-bits 6) and setting up its keys…\n')
      await compileModel({ modelPath: join(ROOT, 'examples', 'lenet5', 'model.onnx'), calibrationPath: join(ROOT, 'examples', 'lenet5', 'calibration.jsonl'), outDir: buildDir, name: 'lenet5', bits: 8, weightBits: 6 })
      await setupKeys({ buildDir, keysDir: KEYS_DIR })
      await releaseSnarkjs()
    }
    const rows = readFileSync(join(ROOT, 'examples', 'lenet5', 'test.jsonl'), 'utf8').trim().split('\n')
    const runs: Run[] = []
    for (const count of counts) {
      const inputs = join(work, `inputs-${count}.jsonl`)
      await writeFile(inputs, Array.from({ length: count }, (_, i) => rows[i % rows.length]!.replace(/"id":"[^"]*"/, `"id":"p${i}"`)).join('\n') + '\n')
      // The backends interleaved, run after run, so that both see the same stretches of time.
      for (let r = 0; r < repeat; r++) {
        for (const backend of BACKENDS) {
          const run = await proveOnce(buildDir, inputs, join(work, `proofs-${count}-${backend}.jsonl`), backend)
          runs.push({ proofs: count, backend, repeat: r, ...run })
          process.stderr.write(`${count} proof(s), ${backend} (run ${r + 1}/${repeat}): ${run.seconds} s (${run.pool}), peak RSS ${run.peakRssMiB ?? '?'} MiB\n`)
        }
      }
    }
    const machine = machineInfo()
    const lines = counts.map((count) => {
      const [native, snarkjs] = BACKENDS.map((b) => summary(runs.filter((r) => r.proofs === count && r.backend === b)))
      return `| ${count} | ${native!.text} (${native!.pool}) | ${snarkjs!.text} (${snarkjs!.pool}) | **${round(snarkjs!.seconds / native!.seconds, 2)}×** | ${native!.peakRssMiB ?? '?'} / ${snarkjs!.peakRssMiB ?? '?'} |`
    })
    const markdown = [
      `# Whole-command prove, LeNet-5, ${started.toISOString()}`,
      '',
      `${availableParallelism()} × ${machine.cpuModel}, load ${loadavg().map((l) => round(l, 2)).join(' ')} at the end; Node ${process.version}.`,
      '',
      `Wall time of one \`glassbox prove\` process each (start-up, key, pool, witnesses, proofs, file), the pool as the planner picks it; snarkjs = \`--backend snarkjs\`. ${repeat > 1 ? `Median of ${repeat} runs per count, the two backends interleaved, [fastest–slowest] beside it; the ratio and peak RSS are the medians'.` : 'One run per count.'}`,
      '',
      '| proofs | native s (pool) | snarkjs s (pool) | snarkjs ÷ native | peak RSS MiB native / snarkjs |',
      '| ---: | --- | --- | ---: | --- |',
      ...lines,
      '',
    ].join('\n')
    await mkdir(RESULTS_DIR, { recursive: true })
    const stamp = fileStamp(started)
    await writeFile(join(RESULTS_DIR, `prove-${stamp}.json`), `${JSON.stringify({ startedAt: started.toISOString(), machine, runs }, null, 2)}\n`)
    await writeFile(join(RESULTS_DIR, `prove-${stamp}.md`), markdown)
    process.stdout.write(`${markdown}\nwrote bench/results/prove-${stamp}.{json,md}\n`)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

await main()
