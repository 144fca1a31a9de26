import type { Manifest } from '../artifacts/manifest.js'
import { WeightSetError } from '../errors.js'
import type { WeightSet } from './weightSetFile.js'
import { readWeightSet } from './weightSetFile.js'

/**
 * Reads a weight-set file and checks it belongs to a build: the build has
 * committed weights and the set names its architecture. For commands that
 * only need the set's commitment (e.g. `verify --weights`), so a set of
 * another model is refused with the reason instead of every proof failing.
 *
 * @throws {WeightSetError} for a constant build or another architecture.
 */
export async function readWeightSetFor(manifest: Manifest, path: string): Promise<WeightSet> {
  if (manifest.weights.visibility !== 'committed') {
    throw new WeightSetError(`Build "${manifest.name}" has constant weights: weight sets are for committed-weights builds.`, { details: 'Drop --weights.' })
  }
  const set = await readWeightSet(path)
  if (manifest.weights.architecture !== undefined && set.architecture !== manifest.weights.architecture) {
    throw new WeightSetError(`${path} belongs to another architecture than build "${manifest.name}".`, {
      details: `It was made for architecture ${set.architecture.slice(0, 16)}…, the build is ${manifest.weights.architecture.slice(0, 16)}…. Pass a weight set made for this build with \`glassbox weights\`.`,
    })
  }
  return set
}
