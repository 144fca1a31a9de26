import { QuantizeError } from '../errors.js'
import { estimateConstraints, totalConstraints } from '../compile/estimateConstraints.js'
import type { InputVisibility } from '../compile/emitCircom.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { ModelIR } from '../model/ir.js'
import { accuracyReport, floatOutputsOf } from './accuracyReport.js'
import type { AccuracySample } from './accuracyReport.js'
import type { FixedPointModel } from './fixedPointModel.js'
import { calibrateMaxAbs, quantizeModel } from './quantizeModel.js'

/**
 * `accuracy`: the fixed-point model must pick the float model's class on at
 * least 99.5% of the validation samples; `resources`: on at least 98%.
 */
export type QuantizationTarget = 'accuracy' | 'resources'

export const TARGET_AGREEMENT: Record<QuantizationTarget, number> = { accuracy: 0.995, resources: 0.98 }

export type SearchQuantizationParameters = {
  calibration: readonly (readonly number[])[]
  /** Samples the candidates are scored on (default: the calibration set). */
  validation?: readonly AccuracySample[]
  target?: QuantizationTarget
  headroomBits?: number
  inputVisibility?: InputVisibility
  argmax?: boolean
  /** Activation bit widths to try. */
  bitsCandidates?: readonly number[]
  /** Weight bit widths to try (only those ≤ the activation width). */
  weightBitsCandidates?: readonly number[]
  logger?: Logger
}

export type SearchQuantizationReturnType = {
  model: FixedPointModel
  constraints: number
  agreement: number
  /** Every setting tried, cheapest first. */
  tried: { bits: number; weightBits: number; constraints: number; agreement: number | null }[]
}

/**
 * Picks the fixed-point setting with the fewest constraints that meets the
 * accuracy target: candidates (activation bits × weight bits) are ordered by
 * their estimated constraint count and scored in that order; the first that
 * agrees with the float model often enough wins.
 *
 * @throws {QuantizeError} when no candidate meets the target, with the best agreement found.
 */
export function searchQuantization(
  ir: ModelIR,
  {
    calibration,
    validation = calibration.map((input) => ({ input })),
    target = 'accuracy',
    headroomBits = 1,
    inputVisibility = 'hashed',
    argmax = true,
    bitsCandidates = [6, 8, 10, 12, 14, 16, 20, 24],
    weightBitsCandidates = [4, 6, 8, 10, 12, 16],
    logger = silentLogger,
  }: SearchQuantizationParameters,
): SearchQuantizationReturnType {
  const maxAbs = calibrateMaxAbs(ir, calibration)
  const candidates: { bits: number; weightBits: number; model: FixedPointModel; constraints: number }[] = []
  for (const bits of bitsCandidates) {
    for (const weightBits of weightBitsCandidates) {
      if (weightBits > bits) continue
      try {
        const model = quantizeModel(ir, { calibration, bits, weightBits, headroomBits, maxAbs })
        candidates.push({ bits, weightBits, model, constraints: totalConstraints(estimateConstraints(model, { inputVisibility, argmax })) })
      } catch (error) {
        if (!(error instanceof QuantizeError)) throw error
      }
    }
  }
  candidates.sort((a, b) => a.constraints - b.constraints || b.bits - a.bits)
  const needed = TARGET_AGREEMENT[target]
  const tried: SearchQuantizationReturnType['tried'] = candidates.map(({ bits, weightBits, constraints }) => ({ bits, weightBits, constraints, agreement: null }))
  const floatOutputs = floatOutputsOf(ir, validation)
  let best = 0
  for (const [i, candidate] of candidates.entries()) {
    const { top1Agreement } = accuracyReport(ir, candidate.model, validation, floatOutputs)
    tried[i]!.agreement = top1Agreement
    best = Math.max(best, top1Agreement)
    logger.debug(`bits ${candidate.bits}, weight bits ${candidate.weightBits}: ${candidate.constraints} constraints, agreement ${(top1Agreement * 100).toFixed(2)}%`)
    if (top1Agreement >= needed) return { model: candidate.model, constraints: candidate.constraints, agreement: top1Agreement, tried }
  }
  throw new QuantizeError(`No fixed-point setting reaches the "${target}" target (${(needed * 100).toFixed(1)}% top-1 agreement with the float model).`, {
    details: `The best of ${candidates.length} settings agreed on ${(best * 100).toFixed(2)}% of ${validation.length} samples. Check the calibration data is representative, or use --target resources, or give --bits explicitly.`,
  })
}
