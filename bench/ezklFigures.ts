/**
 * Pure figures of bench:ezkl: the median and the accuracy of a circuit's outputs against the
 * labels and the float model.
 */
import type { AccuracyFigures } from './ezklReport.js'

/** One line of an example's test.jsonl. */
export type TestLine = { id: string; input: number[]; label: number }
/** One line of an example's reference.jsonl: the float model's output (examples/train/train.py). */
export type Reference = { id: string; output: number[]; class: number }

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Index of the first largest value (ties go to the lower class, as glassbox's circuit argmax). */
export function argmax(values: readonly number[]): number {
  return values.reduce((best, v, i) => (v > values[best]! ? i : best), 0)
}

/**
 * Accuracy of `outputs[i]` (one system's dequantized outputs for test line i) against the labels
 * and the float model's outputs and classes.
 *
 * @throws Error when the counts or output lengths differ (the system answered for other inputs).
 */
export function accuracyOf(outputs: readonly (readonly number[])[], tests: readonly TestLine[], references: readonly Reference[]): AccuracyFigures {
  if (outputs.length === 0 || outputs.length !== tests.length || tests.length !== references.length) {
    throw new Error(`accuracy: ${outputs.length} outputs for ${tests.length} test lines and ${references.length} float references`)
  }
  let correct = 0
  let agree = 0
  let maxAbsError = 0
  outputs.forEach((output, i) => {
    const reference = references[i]!
    if (output.length !== reference.output.length) throw new Error(`accuracy: test line ${tests[i]!.id} has ${output.length} outputs, the float model ${reference.output.length}`)
    const cls = argmax(output)
    if (cls === tests[i]!.label) correct++
    if (cls === reference.class) agree++
    output.forEach((v, j) => (maxAbsError = Math.max(maxAbsError, Math.abs(v - reference.output[j]!))))
  })
  return { samples: outputs.length, labelAccuracy: correct / outputs.length, floatAgreement: agree / outputs.length, maxAbsError }
}
