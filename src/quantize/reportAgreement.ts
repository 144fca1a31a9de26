import type { CompileAccuracy } from '../artifacts/manifest.js'
import type { ModelIR } from '../model/ir.js'
import type { AccuracySample } from './accuracyReport.js'
import { accuracyReport } from './accuracyReport.js'
import type { FixedPointModel } from './fixedPointModel.js'
import type { QuantizationTarget, SearchQuantizationReturnType } from './searchQuantization.js'

/** Below this top-1 agreement with the float model, compile warns. */
export const AGREEMENT_WARNING = 0.99

export type ReportAgreementParameters = {
  calibration: readonly AccuracySample[]
  validation?: { file: string; samples: readonly AccuracySample[] }
  search?: { target: QuantizationTarget; result: SearchQuantizationReturnType }
}

/**
 * The accuracy a compile reports and records in the manifest: top-1 agreement
 * of the fixed-point model with the float model on the calibration set and on
 * the validation set, what a `--target` search judged on, and a warning when
 * agreement is below {@link AGREEMENT_WARNING} on the validation set (the
 * calibration set without one). Pure.
 */
export function reportAgreement(ir: ModelIR, model: FixedPointModel, { calibration, validation, search }: ReportAgreementParameters): CompileAccuracy {
  const accuracy: CompileAccuracy = { calibration: accuracyReport(ir, model, calibration) }
  if (validation) accuracy.validation = { file: validation.file, ...accuracyReport(ir, model, validation.samples) }
  if (search) {
    const { judgedOn, agreement, tried } = search.result
    accuracy.search = { target: search.target, judgedOn: judgedOn.source, samples: judgedOn.samples, calibratedOn: judgedOn.calibratedOn, agreement, candidates: tried.length }
  }
  const [name, decisive] = accuracy.validation ? ['validation', accuracy.validation] as const : ['calibration', accuracy.calibration] as const
  if (decisive.top1Agreement < AGREEMENT_WARNING) {
    accuracy.warning =
      `fixed point picks the float model's class on only ${decisive.agreed}/${decisive.samples} ${name} inputs (${percent(decisive.top1Agreement)}, below ${percent(AGREEMENT_WARNING)})` +
      `${decisive.overflows ? `; ${decisive.overflows} of them overflow the fixed-point ranges and could not be proven at all` : ''}. ` +
      'Proofs of this circuit attest the fixed-point model, not the float one: use more --bits/--weight-bits (or --target accuracy with a --validation set), or a more representative calibration set.'
  }
  return accuracy
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(2)}%`
}
