import { WeightSetError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { commitWeights } from './commitWeights.js'

/**
 * Recomputes the commitment of a model's weights and checks it equals the
 * one claimed (by a weight-set file or a manifest), so no proof is attempted
 * for weights that are not the ones named, and every value is within its
 * width. Loads Poseidon: call it on the main thread, not in proving workers.
 *
 * @throws {WeightSetError} on a value out of range or a commitment that differs.
 */
export async function checkWeightCommitment(model: FixedPointModel, claimed: string, { source = 'the weight set' }: { source?: string } = {}): Promise<void> {
  const actual = (await commitWeights(model)).toString()
  if (actual !== claimed) {
    throw new WeightSetError(`The weights in ${source} do not match its commitment.`, {
      details: `It claims ${claimed}, its values commit to ${actual}. The file was edited after it was made; make it again with \`glassbox weights\`.`,
    })
  }
}
