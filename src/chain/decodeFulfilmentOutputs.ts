import { decodePublicSignals } from '../artifacts/decodePublicSignals.js'
import type { Manifest } from '../artifacts/manifest.js'
import { modelLayout } from './modelLayout.js'

export type DecodeFulfilmentOutputsReturnType = {
  /** The outputs as the circuit's integers. */
  outputQ: bigint[]
  /** The outputs dequantized (outputQ / 2^scale). */
  output: number[]
  class?: number
}

/**
 * The answer a fulfilment carries, in the model's terms: the market keeps a fulfilment's signals
 * opaque (the `outputs` of `fulfil`: every signal but prover, input hash and weights, in layout
 * order; for a packed build, the packed words), and a client decodes them with the build's
 * manifest. Pure.
 *
 * @throws {VerifyError} When the words do not decode under this manifest's layout (another model).
 */
export function decodeFulfilmentOutputs(manifest: Manifest, outputs: readonly bigint[]): DecodeFulfilmentOutputsReturnType {
  const statement = decodePublicSignals(manifest.publicSignals, outputs, { indices: modelLayout(manifest).freeIndices })
  const factor = 2 ** -manifest.output.scale
  const result: DecodeFulfilmentOutputsReturnType = { outputQ: statement.outputQ, output: statement.outputQ.map((q) => Number(q) * factor) }
  if (statement.class !== undefined) result.class = statement.class
  return result
}
