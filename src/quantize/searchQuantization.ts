import { QuantizeError } from '../errors.js'
import { estimateConstraints, totalConstraints } from '../compile/estimateConstraints.js'
import type { InputVisibility } from '../compile/emitCircom.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { ModelIR } from '../model/ir.js'
import { accuracyReport, floatOutputsOf } from './accuracyReport.js'
import type { AccuracySample } from './accuracyReport.js'
import { checkCalibrationSet } from './checkCalibrationSet.js'
import type { InputScaling } from './chooseInputScales.js'
import type { FixedPointModel } from './fixedPointModel.js'
import { calibrateMaxAbs, quantizeModel } from './quantizeModel.js'

/**
 * `accuracy`: the fixed-point model must pick the float model's class on at
 * least 99.5% of the validation samples; `resources`: on at least 98%.
 */
export type QuantizationTarget = 'accuracy' | 'resources'

export const TARGET_AGREEMENT: Record<QuantizationTarget, number> = { accuracy: 0.995, resources: 0.98 }

/** Activation widths the search tries by default. */
export const DEFAULT_BITS_CANDIDATES = [6, 8, 10, 12, 14, 16, 20, 24, 32] as const
/** Weight widths the search tries by default (each at most the activation width). */
export const DEFAULT_WEIGHT_BITS_CANDIDATES = [4, 6, 8, 10, 12, 16, 20, 24, 32] as const

/**
 * Without a validation set, every HOLD_OUT_EVERY-th calibration input is held
 * out to judge candidates on (a deterministic 20% split), as long as both
 * parts keep at least MIN_SPLIT inputs; otherwise candidates are judged on
 * the calibration inputs themselves, and the result says so.
 */
const HOLD_OUT_EVERY = 5
const MIN_SPLIT = 5

export type SearchQuantizationParameters = {
  calibration: readonly (readonly number[])[]
  /** Samples the candidates are judged on (default: a held-out fifth of the calibration set). */
  validation?: readonly AccuracySample[]
  target?: QuantizationTarget
  headroomBits?: number
  inputScaling?: InputScaling
  inputVisibility?: InputVisibility
  argmax?: boolean
  /** Activation bit widths to try. */
  bitsCandidates?: readonly number[]
  /** Weight bit widths to try (only those ≤ the activation width). */
  weightBitsCandidates?: readonly number[]
  logger?: Logger
}

/** What the candidates were judged on: a given validation set, inputs held out of the calibration set, or (too few to split) the calibration inputs themselves. */
export type JudgedOn = { source: 'validation' | 'held-out' | 'calibration'; samples: number; calibratedOn: number }

export type SearchQuantizationReturnType = {
  /** The winning candidate, exactly as judged (calibrated on `judgedOn.calibratedOn` inputs). */
  model: FixedPointModel
  constraints: number
  agreement: number
  judgedOn: JudgedOn
  /** Every setting tried, cheapest first (agreement null: not scored, a cheaper one won first). */
  tried: { bits: number; weightBits: number; constraints: number; agreement: number | null }[]
}

/**
 * Picks the fixed-point setting with the fewest constraints that meets the
 * accuracy target: candidates (activation bits × weight bits, up to 32 bits
 * each; settings whose circuit would not fit 252-bit decompositions are
 * skipped) are ordered by their estimated constraint count and judged in that
 * order on data they were not calibrated on (and, with a held-out split, on
 * the calibrating inputs too); the first that agrees with the float model
 * often enough wins.
 *
 * @throws {QuantizeError} when no candidate meets the target, with the best agreement found.
 */
export function searchQuantization(
  ir: ModelIR,
  {
    calibration,
    validation,
    target = 'accuracy',
    headroomBits = 1,
    inputScaling = 'auto',
    inputVisibility = 'hashed',
    argmax = true,
    bitsCandidates = DEFAULT_BITS_CANDIDATES,
    weightBitsCandidates = DEFAULT_WEIGHT_BITS_CANDIDATES,
    logger = silentLogger,
  }: SearchQuantizationParameters,
): SearchQuantizationReturnType {
  checkCalibrationSet(calibration, { logger })
  const { calibrateOn, judgeOn, judgedOn } = splitForJudging(calibration, validation)
  if (judgedOn.source === 'calibration') {
    logger.warn(`only ${calibration.length} calibration inputs and no --validation: candidates are judged on the inputs they were calibrated on, which overstates their agreement. Pass --validation or more calibration inputs.`)
  } else {
    logger.info(`search: calibrating on ${judgedOn.calibratedOn} inputs, judging on ${judgedOn.samples} ${judgedOn.source === 'held-out' ? 'held out of the calibration set' : 'validation inputs'}`)
  }
  const maxAbs = calibrateMaxAbs(ir, calibrateOn)
  const candidates: { bits: number; weightBits: number; model: FixedPointModel; constraints: number }[] = []
  for (const bits of bitsCandidates) {
    for (const weightBits of weightBitsCandidates) {
      if (weightBits > bits) continue
      try {
        const model = quantizeModel(ir, { calibration: calibrateOn, bits, weightBits, headroomBits, maxAbs, inputScaling })
        candidates.push({ bits, weightBits, model, constraints: totalConstraints(estimateConstraints(model, { inputVisibility, argmax })) })
      } catch (error) {
        if (!(error instanceof QuantizeError)) throw error
        logger.debug(`bits ${bits}, weight bits ${weightBits}: skipped (${error.shortMessage})`)
      }
    }
  }
  candidates.sort((a, b) => a.constraints - b.constraints || b.bits - a.bits)
  const needed = TARGET_AGREEMENT[target]
  const tried: SearchQuantizationReturnType['tried'] = candidates.map(({ bits, weightBits, constraints }) => ({ bits, weightBits, constraints, agreement: null }))
  const floatOutputs = floatOutputsOf(ir, judgeOn)
  // A held-out split is small: a candidate must also meet the target on the inputs it was
  // calibrated on, so one lucky fifth cannot pick a setting that disagrees in sample.
  const inSample = judgedOn.source === 'held-out' ? calibrateOn.map((input) => ({ input })) : undefined
  const inSampleFloat = inSample ? floatOutputsOf(ir, inSample) : undefined
  let best = 0
  for (const [i, candidate] of candidates.entries()) {
    const { top1Agreement } = accuracyReport(ir, candidate.model, judgeOn, floatOutputs)
    tried[i]!.agreement = top1Agreement
    best = Math.max(best, top1Agreement)
    logger.debug(`bits ${candidate.bits}, weight bits ${candidate.weightBits}: ${candidate.constraints} constraints, agreement ${(top1Agreement * 100).toFixed(2)}%`)
    if (top1Agreement < needed) continue
    if (inSample && accuracyReport(ir, candidate.model, inSample, inSampleFloat).top1Agreement < needed) continue
    return { model: candidate.model, constraints: candidate.constraints, agreement: top1Agreement, judgedOn, tried }
  }
  throw new QuantizeError(`No fixed-point setting reaches the "${target}" target (${(needed * 100).toFixed(1)}% top-1 agreement with the float model).`, {
    details: `The best of ${candidates.length} settings agreed on ${(best * 100).toFixed(2)}% of ${judgeOn.length} ${judgedOn.source === 'held-out' ? 'held-out calibration' : judgedOn.source} inputs. Check the calibration data is representative, or use --target resources, or give --bits explicitly.`,
  })
}

function splitForJudging(
  calibration: readonly (readonly number[])[],
  validation: readonly AccuracySample[] | undefined,
): { calibrateOn: readonly (readonly number[])[]; judgeOn: readonly AccuracySample[]; judgedOn: JudgedOn } {
  if (validation) {
    if (validation.length === 0) throw new QuantizeError('The validation set is empty.', { details: 'Pass --validation with a JSONL file of inputs (with labels, if you have them).' })
    return { calibrateOn: calibration, judgeOn: validation, judgedOn: { source: 'validation', samples: validation.length, calibratedOn: calibration.length } }
  }
  const held = calibration.filter((_, i) => i % HOLD_OUT_EVERY === HOLD_OUT_EVERY - 1)
  const kept = calibration.filter((_, i) => i % HOLD_OUT_EVERY !== HOLD_OUT_EVERY - 1)
  if (held.length < MIN_SPLIT || kept.length < MIN_SPLIT) {
    return { calibrateOn: calibration, judgeOn: calibration.map((input) => ({ input })), judgedOn: { source: 'calibration', samples: calibration.length, calibratedOn: calibration.length } }
  }
  return { calibrateOn: kept, judgeOn: held.map((input) => ({ input })), judgedOn: { source: 'held-out', samples: held.length, calibratedOn: kept.length } }
}
