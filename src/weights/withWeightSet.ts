import type { Manifest } from '../artifacts/manifest.js'
import { WeightSetError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { applyWeightSet } from './applyWeightSet.js'
import { checkWeightCommitment } from './checkWeightCommitment.js'
import { readWeightSet } from './weightSetFile.js'

export type WithWeightSetReturnType = { model: FixedPointModel; commitment: string }

/**
 * A build's model with the weights of a weight-set file, fully checked: the
 * build has committed weights, the set is of its architecture, and its values
 * commit to the commitment it claims (loads Poseidon: main thread only).
 *
 * @throws {WeightSetError} saying what does not match and what to do.
 */
export async function withWeightSet(manifest: Manifest, model: FixedPointModel, weightsPath: string): Promise<WithWeightSetReturnType> {
  if (manifest.weights.visibility !== 'committed') {
    throw new WeightSetError(`Build "${manifest.name}" has constant weights: it runs and proves only the weights it was compiled with.`, {
      details: 'Recompile with `glassbox compile … --weights committed` to use other weight sets, or drop --weights.',
    })
  }
  const set = await readWeightSet(weightsPath)
  const weighted = applyWeightSet(model, set, { source: weightsPath })
  await checkWeightCommitment(weighted, set.commitment, { source: weightsPath })
  return { model: weighted, commitment: set.commitment }
}
