import { toField } from '../field/fieldElement.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { weightValues } from './weightLayout.js'

/** The private `weights` input of a committed-weights circuit: the model's weight set as field elements (decimal strings). Pure. */
export function weightSignals(model: FixedPointModel): string[] {
  return weightValues(model).map((v) => toField(v).toString())
}
