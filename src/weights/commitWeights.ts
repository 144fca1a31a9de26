import { poseidonChain } from '../field/poseidonChain.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { packWeights } from './packWeights.js'
import { weightLayout, weightValues } from './weightLayout.js'

/**
 * The Poseidon commitment to a model's weight set, as the committed-weights
 * circuit computes it in-circuit (template `WeightCommitment`): the values of
 * {@link weightLayout} packed by {@link packWeights}, hashed with
 * {@link poseidonChain}. Constant-weight builds record the same value in
 * their manifest, so a constant and a committed build of the same
 * fixed-point model carry the same commitment. 0 for a model without weights.
 *
 * @throws {WeightSetError} when a value is outside its width.
 * @example
 * const commitment = await commitWeights(model) // bigint, a BN254 field element
 */
export async function commitWeights(model: FixedPointModel): Promise<bigint> {
  const layout = weightLayout(model)
  if (layout.values === 0) return 0n
  return poseidonChain(packWeights(weightValues(model), layout))
}
