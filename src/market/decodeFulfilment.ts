import type { Manifest } from '../artifacts/manifest.js'
import { decodeFulfilmentOutputs } from '../chain/decodeFulfilmentOutputs.js'

/** A fulfilment's answer in the model's terms. */
export type DecodedAnswer = {
  /** The outputs, dequantized (`outputQ / 2^scale`). */
  output: number[]
  /** The proven argmax, when the circuit has one. */
  class?: number
}

/**
 * Decodes the signals a fulfilment passed (`RequestFulfilment.outputs`: the free signals in
 * signal order, see `modelLayout().freeIndices`; packed words for a packed build) into the
 * model's outputs and class, by the layout the build's manifest records.
 *
 * @throws {VerifyError} When the words do not decode under this manifest's layout (another model).
 * @example
 * ```ts
 * const { output, class: predicted } = decodeFulfilment(manifest, request.fulfilment.outputs)
 * ```
 */
export function decodeFulfilment(manifest: Manifest, signals: readonly bigint[]): DecodedAnswer {
  const { output, class: predicted } = decodeFulfilmentOutputs(manifest, signals)
  return predicted === undefined ? { output } : { output, class: predicted }
}
