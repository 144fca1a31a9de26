/**
 * Witness benchmark: glassbox's own witness generator (`native`, the
 * circuit's templates mirrored in TypeScript, src/witness/) against circom's
 * wasm witness, per input, on the bundled examples. Both run in this process,
 * interleaved input by input, on the same inputs; every `.wtns` pair must be
 * byte-identical (the run fails otherwise). See bench/README.md.
 *
 *   npm run bench:witness                          # iris, digits, digits_cnn, residual_cnn, lenet5
 *   npm run bench:witness -- --only lenet5 --inputs 50
 *
 * LeNet-5 is compiled at its README settings (--bits 8 --weight-bits 6), the others at their
 * defaults; each compile goes to a fresh temporary folder.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { compileModel } from '../src/compile/compileModel.js'
import { circuitInput } from '../src/prove/circuitInput.js'
import { loadProvingArtifacts } from '../src/prove/provingArtifacts.js'
import { createWitnessCalculator } from '../src/witness/createWitnessCalculator.js'
import { prefixedLogger, round } from './measure.js'
import { fileStamp, machineInfo } from './report.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const RESULTS_DIR = join(ROOT, 'bench', 'results')
const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

const MODELS = {
  iris: {},
  digits: {},
  digits_cnn: {},
  residual_cnn: {},
  lenet5: { bits: 8, weightBits: 6 },
} as const satisfies Record<string, { bits?: number; weightBits?: number }>
type ModelName = keyof typeof MODELS

type Side = { meanMs: number; medianMs: number; cpuMs: number }
type Row = { model: string; constraints: number; wires: number; inputs: number; wasm: Side; native: Side; speedup: number; cpuSpeedup: number; identical: boolean }

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const side = (wall: readonly number[], cpu: readonly number[]): Side => ({
  meanMs: round(wall.reduce((a, b) => a + b, 0) / wall.length, 2),
  medianMs: round(median(wall), 2),
  cpuMs: round(cpu.reduce((a, b) => a + b, 0) / cpu.length, 2),
})

async function timeOne(run: () => Promise<Uint8Array>): Promise<{ bytes: Uint8Array; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const bytes = await run()
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { bytes, ms, cpuMs: (used.user + used.system) / 1000 }
}

async function benchModel(name: ModelName, inputs: number, logger: ReturnType<typeof prefixedLogger>): Promise<Row> {
  const work = await mkdtemp(join(tmpdir(), `glassbox-bench-witness-${name}-`))
  try {
    const outDir = join(work, 'build')
    logger.info('compiling…')
    const { manifest } = await compileModel({ modelPath: join(ROOT, 'examples', name, 'model.onnx'), calibrationPath: join(ROOT, 'examples', name, 'calibration.jsonl'), outDir, name, ...MODELS[name] })
    const artifacts = await loadProvingArtifacts(outDir, { withKey: false })
    const native = await createWitnessCalculator(artifacts, { logger })
    const wasm = await createWitnessCalculator(artifacts, { prefer: 'wasm' })
    const lines = (await readFile(join(ROOT, 'examples', name, 'test.jsonl'), 'utf8')).trim().split('\n').slice(0, inputs + 1)
    const signals = lines.map((line, i) => circuitInput(artifacts.model, (JSON.parse(line) as { input: number[] }).input, PROVER, { salted: manifest.input.salted === true, salt: BigInt(i) }).signals)
    // One warm-up call each (wasm instantiation, JIT), not counted.
    await native.calculate(signals[0]!)
    await wasm.calculate(signals[0]!)
    const wall = { wasm: [] as number[], native: [] as number[] }
    const cpu = { wasm: [] as number[], native: [] as number[] }
    let identical = true
    for (const input of signals.slice(1)) {
      const a = await timeOne(() => wasm.calculate(input))
      const b = await timeOne(() => native.calculate(input))
      wall.wasm.push(a.ms)
      wall.native.push(b.ms)
      cpu.wasm.push(a.cpuMs)
      cpu.native.push(b.cpuMs)
      identical &&= Buffer.from(a.bytes).equals(Buffer.from(b.bytes))
    }
    if (native.kind !== 'native') throw new Error(`${name}: glassbox's witness fell back to wasm`)
    const row: Row = {
      model: name,
      constraints: manifest.constraints.total,
      wires: manifest.circuit.wires,
      inputs: signals.length - 1,
      wasm: side(wall.wasm, cpu.wasm),
      native: side(wall.native, cpu.native),
      speedup: 0,
      cpuSpeedup: 0,
      identical,
    }
    row.speedup = round(row.wasm.medianMs / row.native.medianMs, 1)
    row.cpuSpeedup = round(row.wasm.cpuMs / row.native.cpuMs, 1)
    logger.info(`wasm ${row.wasm.medianMs} ms, native ${row.native.medianMs} ms (median): ${row.speedup}×, identical ${identical}`)
    return row
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' }, inputs: { type: 'string', default: '20' } } })
  const names = (values.only ? values.only.split(',') : Object.keys(MODELS)) as ModelName[]
  for (const name of names) if (!(name in MODELS)) throw new Error(`unknown model ${name}; choose from ${Object.keys(MODELS).join(', ')}`)
  const inputs = Number(values.inputs)
  const started = new Date()
  const rows: Row[] = []
  for (const name of names) rows.push(await benchModel(name, inputs, prefixedLogger(`[${name}]`)))
  const machine = machineInfo()
  const table = [
    '| model | constraints | wires | inputs | wasm ms (median / mean) | native ms (median / mean) | speed-up (median wall) | CPU ms wasm / native | CPU speed-up | identical |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: | --- | ---: | --- |',
    ...rows.map((r) => `| ${r.model} | ${r.constraints} | ${r.wires} | ${r.inputs} | ${r.wasm.medianMs} / ${r.wasm.meanMs} | ${r.native.medianMs} / ${r.native.meanMs} | **${r.speedup}×** | ${r.wasm.cpuMs} / ${r.native.cpuMs} | ${r.cpuSpeedup}× | ${r.identical ? 'yes' : '**NO**'} |`),
  ].join('\n')
  const markdown = [
    `# Witness benchmark ${started.toISOString()}`,
    '',
    `${machine.cpuCount} × ${machine.cpuModel}, load ${machine.loadAverageAtStart.join(' ')}; Node ${process.version}.`,
    '',
    "native = glassbox's own witness generator (src/witness/), wasm = circom's witness wasm, both in this process, interleaved input by input after one warm-up call each; ms are wall time of one `.wtns`, CPU is user + system time.",
    '',
    table,
    '',
  ].join('\n')
  await mkdir(RESULTS_DIR, { recursive: true })
  const stamp = fileStamp(started)
  await writeFile(join(RESULTS_DIR, `witness-${stamp}.json`), `${JSON.stringify({ startedAt: started.toISOString(), machine, rows }, null, 2)}\n`)
  await writeFile(join(RESULTS_DIR, `witness-${stamp}.md`), markdown)
  process.stdout.write(`${markdown}\nwrote bench/results/witness-${stamp}.{json,md}\n`)
  if (rows.some((r) => !r.identical)) process.exitCode = 1
}

await main()
