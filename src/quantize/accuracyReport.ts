import { RangeOverflowError } from '../errors.js'
import { evaluateFloat } from '../model/evaluateFloat.js'
import type { ModelIR } from '../model/ir.js'
import { evaluateFixed } from './evaluateFixed.js'
import type { FixedPointModel } from './fixedPointModel.js'
import { dequantize, quantizeInput } from './quantizeInput.js'

export type AccuracySample = { input: readonly number[]; label?: number }

export type AccuracyReport = {
  samples: number
  /** Samples where float and fixed point pick the same class. */
  agreed: number
  /** Share of samples where float and fixed point pick the same class (agreed / samples). */
  top1Agreement: number
  /** Accuracy against labels (null when the data has none). */
  floatAccuracy: number | null
  fixedAccuracy: number | null
  /** Largest |float output − dequantized fixed output| over the samples fixed point could evaluate. */
  maxAbsError: number
  /** Samples fixed point cannot evaluate (a value leaves its range; a proof of them is impossible). They count as disagreeing. */
  overflows: number
}

/**
 * Compares the fixed-point model with the float model it came from on a data
 * set: top-1 agreement, accuracy against labels, max abs output error. A
 * sample that overflows the fixed-point ranges counts as a disagreement (and
 * as wrong against its label): it is an input the circuit cannot prove.
 *
 * @param floatOutputs The float model's outputs on `samples`, when already
 *   computed (a search scores many fixed-point models against the same ones).
 */
export function accuracyReport(
  ir: ModelIR,
  fixed: FixedPointModel,
  samples: readonly AccuracySample[],
  floatOutputs: readonly Float64Array[] = floatOutputsOf(ir, samples),
): AccuracyReport {
  let agree = 0
  let floatCorrect = 0
  let fixedCorrect = 0
  let labelled = 0
  let maxAbsError = 0
  let overflows = 0
  for (const [index, sample] of samples.entries()) {
    const floatOut = floatOutputs[index]!
    if (sample.label !== undefined) {
      labelled++
      if (argmaxOf(floatOut) === sample.label) floatCorrect++
    }
    let evaluated: ReturnType<typeof evaluateFixed>
    try {
      evaluated = evaluateFixed(fixed, quantizeInput(fixed, sample.input))
    } catch (error) {
      if (!(error instanceof RangeOverflowError)) throw error
      overflows++
      continue
    }
    const { outputQ, argmax } = evaluated
    const fixedOut = dequantize(outputQ, fixed.output.scale)
    const floatClass = argmaxOf(floatOut)
    if (floatClass === argmax) agree++
    if (sample.label !== undefined && argmax === sample.label) fixedCorrect++
    fixedOut.forEach((v, i) => {
      maxAbsError = Math.max(maxAbsError, Math.abs(v - floatOut[i]!))
    })
  }
  const n = samples.length
  return {
    samples: n,
    agreed: agree,
    top1Agreement: n ? agree / n : 0,
    floatAccuracy: labelled ? floatCorrect / labelled : null,
    fixedAccuracy: labelled ? fixedCorrect / labelled : null,
    maxAbsError,
    overflows,
  }
}

function argmaxOf(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}

/** The float model's output on every sample. */
export function floatOutputsOf(ir: ModelIR, samples: readonly AccuracySample[]): Float64Array[] {
  return samples.map((sample) => evaluateFloat(ir, Float64Array.from(sample.input)).output)
}
