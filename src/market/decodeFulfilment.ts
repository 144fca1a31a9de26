import type { Manifest } from '../artifacts/manifest.js'
import { modelLayout } from '../chain/modelLayout.js'
import { fromField } from '../compile/poseidonChain.js'

/** A fulfilment's answer in the model's terms. */
export type DecodedAnswer = {
  /** The outputs, dequantized (`outputQ / 2^scale`). */
  output: number[]
  /** The proven argmax, when the circuit has one. */
  class?: number
}

/**
 * Decodes the signals a fulfilment passed (`RequestFulfilment.outputs`: the free signals in
 * signal order, see `modelLayout().freeIndices`) into the model's outputs and class, by the roles
 * the build's manifest records.
 *
 * @example
 * ```ts
 * const { output, class: predicted } = decodeFulfilment(manifest, request.fulfilment.outputs)
 * ```
 */
export function decodeFulfilment(manifest: Manifest, signals: readonly bigint[]): DecodedAnswer {
  const layout = modelLayout(manifest)
  const byIndex = new Map(manifest.publicSignals.map((s) => [s.index, s]))
  const output: number[] = []
  let predicted: number | undefined
  layout.freeIndices.forEach((index, k) => {
    const role = byIndex.get(index)?.role
    const value = fromField(signals[k]!)
    if (role === 'output') output.push(Number(value) * 2 ** -manifest.output.scale)
    else if (role === 'class') predicted = Number(value)
  })
  return predicted === undefined ? { output } : { output, class: predicted }
}
