import { evaluateFloat } from '../model/evaluateFloat.js'
import type { ModelIR } from '../model/ir.js'
import { evaluateFixed } from './evaluateFixed.js'
import type { FixedPointModel } from './fixedPointModel.js'
import { dequantize, quantizeInput } from './quantizeInput.js'

export type AccuracySample = { input: readonly number[]; label?: number }

export type AccuracyReport = {
  samples: number
  /** Share of samples where float and fixed point pick the same class. */
  top1Agreement: number
  /** Accuracy against labels (null when the data has none). */
  floatAccuracy: number | null
  fixedAccuracy: number | null
  /** Largest |float output − dequantized fixed output| over all samples and outputs. */
  maxAbsError: number
}

/**
 * Compares the fixed-point model with the float model it came from on a data
 * set: top-1 agreement, accuracy against labels, max abs output error.
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
  for (const [index, sample] of samples.entries()) {
    const floatOut = floatOutputs[index]!
    const { outputQ, argmax } = evaluateFixed(fixed, quantizeInput(fixed, sample.input))
    const fixedOut = dequantize(outputQ, fixed.output.scale)
    const floatClass = argmaxOf(floatOut)
    if (floatClass === argmax) agree++
    if (sample.label !== undefined) {
      labelled++
      if (floatClass === sample.label) floatCorrect++
      if (argmax === sample.label) fixedCorrect++
    }
    fixedOut.forEach((v, i) => {
      maxAbsError = Math.max(maxAbsError, Math.abs(v - floatOut[i]!))
    })
  }
  const n = samples.length
  return {
    samples: n,
    top1Agreement: n ? agree / n : 0,
    floatAccuracy: labelled ? floatCorrect / labelled : null,
    fixedAccuracy: labelled ? fixedCorrect / labelled : null,
    maxAbsError,
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
