/**
 * bench:ezkl's result shape and its markdown: per model, one table of glassbox vs ezkl with the
 * ratio glassbox/ezkl.
 */
import type { BenchReport } from './report.js'

/** Accuracy of one system's fixed-point/quantized circuit on the first `samples` test inputs. */
export type AccuracyFigures = {
  samples: number
  /** Share of the subset whose argmax equals the label. */
  labelAccuracy: number
  /** Share whose argmax equals the float model's (reference.jsonl). */
  floatAgreement: number
  /** Largest |output − float output| over the subset and all logits. */
  maxAbsError: number
}

export type OnChainFigures = {
  verificationGas: string
  deployGas: string
  /** Runtime bytecode of the verifier (EIP-170 caps it at 24,576 bytes on mainnet). */
  runtimeBytes: number
  /** Bytes of the `verifyProof` transaction's data. */
  calldataBytes: number
  /** Proofs accepted by an `eth_call` of the deployed verifier. */
  accepted: number
  total: number
  note?: string
}

export type SideFigures = {
  /** glassbox: R1CS constraints; ezkl: the settings' num_rows. */
  circuitSize: number
  /** glassbox: the ptau power the circuit needs; ezkl: logrows. */
  log2Size: number
  compileSeconds: number
  setupSeconds: number
  /** glassbox: the dev ptau; ezkl: the dev SRS from gen_srs. Seconds when generated in this run. */
  parameters: { power: number; generated: boolean; seconds?: number }
  provingKeyBytes: number
  prove: { proofs: number; msPerProof: number[]; medianMs: number; rssBeforeMiB: number; peakRssMiB: number; /** 1-minute load average just before proving: the machine is shared. */ loadBefore: number }
  proofBytes: number
  publicValues: number
  verify: { valid: number; total: number; msPerProof: number }
  accuracy: AccuracyFigures
  onChain: OnChainFigures | { error: string }
  details: Record<string, unknown>
}

export type ModelComparison = {
  model: string
  floatAccuracy: AccuracyFigures
  glassbox: SideFigures | { error: string }
  ezkl: SideFigures | { error: string }
}

export type EzklBenchReport = Omit<BenchReport, 'results'> & {
  ezkl: { version: string; python: string; target: string; maxLogrows: number | null; visibility: { input: string; params: string; output: string } }
  memoryMethod: string
  results: ModelComparison[]
}

const failed = (side: SideFigures | { error: string }): side is { error: string } => 'error' in side

function num(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

const pct = (value: number) => `${(value * 100).toFixed(1)} %`

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return 'n/a'
  const r = a / b
  return r >= 100 || r < 0.01 ? `${r.toPrecision(2)}×` : `${r.toFixed(2)}×`
}

type Side = SideFigures | undefined
type Spec = { label: (g: Side, e: Side) => string; cell: (s: SideFigures) => string; value?: (s: SideFigures) => number | undefined }

const chainOf = (s: SideFigures): OnChainFigures | undefined => ('error' in s.onChain ? undefined : s.onChain)
const onChain = (pick: (c: OnChainFigures) => string) => (s: SideFigures) => {
  const c = chainOf(s)
  return c ? pick(c) : `failed: ${'error' in s.onChain ? s.onChain.error.split('\n')[0] : ''}`
}
const fixed = (label: string) => () => label
const params = (s: SideFigures) => `2^${s.parameters.power}, ${s.parameters.generated ? `generated${s.parameters.seconds === undefined ? ' (in setup s)' : ` in ${num(s.parameters.seconds, 1)} s`}` : 'cached'}`
const whileProving = (s: SideFigures) => s.prove.peakRssMiB - s.prove.rssBeforeMiB

const SPECS: Spec[] = [
  { label: fixed('circuit size (glassbox: R1CS constraints; ezkl: rows)'), cell: (s) => num(s.circuitSize), value: (s) => s.circuitSize },
  { label: fixed('padded size (glassbox: ptau power needed; ezkl: logrows)'), cell: (s) => `2^${s.log2Size}`, value: (s) => 2 ** s.log2Size },
  { label: fixed('compile s'), cell: (s) => num(s.compileSeconds, 1), value: (s) => s.compileSeconds },
  { label: fixed('setup s (keys; dev ptau / SRS apart)'), cell: (s) => num(s.setupSeconds, 1), value: (s) => s.setupSeconds },
  { label: fixed('dev ptau / SRS'), cell: params },
  { label: fixed('proving key MiB'), cell: (s) => num(s.provingKeyBytes / 2 ** 20, 1), value: (s) => s.provingKeyBytes },
  { label: (g, e) => `ms per proof, median of ${g?.prove.proofs ?? '–'} / ${e?.prove.proofs ?? '–'} (witness + proof)`, cell: (s) => num(s.prove.medianMs), value: (s) => s.prove.medianMs },
  { label: fixed('load average (1 min) before proving'), cell: (s) => num(s.prove.loadBefore, 1) },
  { label: fixed('prover process peak RSS MiB'), cell: (s) => num(s.prove.peakRssMiB), value: (s) => s.prove.peakRssMiB },
  { label: fixed('&nbsp;&nbsp;of which while proving (peak − RSS before)'), cell: (s) => num(whileProving(s)), value: whileProving },
  { label: fixed('proof bytes (without public values)'), cell: (s) => num(s.proofBytes), value: (s) => s.proofBytes },
  { label: fixed('public values'), cell: (s) => num(s.publicValues), value: (s) => s.publicValues },
  { label: fixed('verify calldata bytes'), cell: onChain((c) => num(c.calldataBytes)), value: (s) => chainOf(s)?.calldataBytes },
  { label: fixed('off-chain verify ms per proof (valid/total)'), cell: (s) => `${num(s.verify.msPerProof)} (${s.verify.valid}/${s.verify.total})`, value: (s) => s.verify.msPerProof },
  { label: (g, e) => `accuracy vs labels (first ${(g ?? e)?.accuracy.samples ?? '–'} test inputs)`, cell: (s) => pct(s.accuracy.labelAccuracy), value: (s) => s.accuracy.labelAccuracy },
  { label: fixed('argmax = float model'), cell: (s) => pct(s.accuracy.floatAgreement), value: (s) => s.accuracy.floatAgreement },
  { label: fixed('max \\|output − float output\\|'), cell: (s) => num(s.accuracy.maxAbsError, 4), value: (s) => s.accuracy.maxAbsError },
  { label: fixed('verifier runtime bytes'), cell: onChain((c) => num(c.runtimeBytes)), value: (s) => chainOf(s)?.runtimeBytes },
  { label: fixed('verifier deploy gas'), cell: onChain((c) => num(Number(c.deployGas))), value: (s) => Number(chainOf(s)?.deployGas ?? Number.NaN) },
  {
    label: fixed('verification gas (receipt of one verifyProof tx)'),
    cell: onChain((c) => `${num(Number(c.verificationGas))} (${c.accepted}/${c.total} accepted)`),
    value: (s) => Number(chainOf(s)?.verificationGas ?? Number.NaN),
  },
]

/** The side-by-side table of one model; a side that failed is a column of dashes, its error below. */
export function modelTable(result: ModelComparison): string {
  const out = [`## ${result.model}`, '', `Float model on the same ${result.floatAccuracy.samples} inputs: ${pct(result.floatAccuracy.labelAccuracy)} vs labels.`, '']
  const g = failed(result.glassbox) ? undefined : result.glassbox
  const e = failed(result.ezkl) ? undefined : result.ezkl
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  out.push(line(['', 'glassbox', 'ezkl', 'glassbox/ezkl']), line(['---', '---:', '---:', '---:']))
  for (const spec of SPECS) {
    const cell = (s: Side) => (s ? spec.cell(s) : '–')
    out.push(line([spec.label(g, e), cell(g), cell(e), spec.value && g && e ? ratio(spec.value(g), spec.value(e)) : '']))
  }
  for (const [side, figures] of [['glassbox', result.glassbox], ['ezkl', result.ezkl]] as const) {
    if (failed(figures)) out.push('', `**${side} failed:**`, '', '```', figures.error.trim(), '```')
    else if (!('error' in figures.onChain) && figures.onChain.note) out.push('', `${side} on chain: ${figures.onChain.note}`)
  }
  out.push('')
  return out.join('\n')
}

export function ezklMarkdown(report: EzklBenchReport, notes: readonly string[]): string {
  const m = report.machine
  return [
    `# glassbox vs ezkl ${report.ezkl.version}, ${report.startedAt}`,
    '',
    `Machine: ${m.cpuModel} × ${m.cpuCount}, ${m.totalMemoryGiB} GiB, ${m.os}, Node ${m.node}, Python ${report.ezkl.python}, load average at start ${m.loadAverageAtStart.join(' / ')}. Total run ${report.totalSeconds.toFixed(0)} s.`,
    '',
    `ezkl: input ${report.ezkl.visibility.input}, params ${report.ezkl.visibility.params}, output ${report.ezkl.visibility.output}; calibrate_settings target \`${report.ezkl.target}\`, max_logrows ${report.ezkl.maxLogrows ?? "ezkl's default"}; local dev SRS from gen_srs. Memory: ${report.memoryMethod}.`,
    '',
    ...report.results.map(modelTable),
    ...(notes.length ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n')
}
