import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { verifyArtifacts } from '../artifacts/manifest.js'
import { WeightSetError } from '../errors.js'
import { parseFixedPointModel } from '../quantize/fixedPointModel.js'
import type { WeightSet } from './weightSetFile.js'
import { withWeightSet } from './withWeightSet.js'
import { readWeightSet } from './weightSetFile.js'

/**
 * Reads a weight-set file and checks it belongs to a build, fully: the build
 * has committed weights, the set names its architecture, its values fit the
 * build's layout, and they commit to the commitment the file claims. For
 * commands that then only need the set's commitment (e.g. `verify --weights`):
 * a file whose `commitment` field was swapped for another set's must not make
 * that other set's proofs pass as this one's. Loads Poseidon: main thread only.
 *
 * @throws {WeightSetError} for a constant build, another architecture, or values that do not commit to the claimed commitment.
 */
export async function readWeightSetFor(buildDir: string, manifest: Manifest, path: string): Promise<WeightSet> {
  if (manifest.weights.visibility !== 'committed') {
    throw new WeightSetError(`Build "${manifest.name}" has constant weights: weight sets are for committed-weights builds.`, { details: 'Drop --weights.' })
  }
  if (manifest.weights.architecture === undefined) {
    throw new WeightSetError(`The manifest of "${manifest.name}" records no architecture for its committed weights.`, {
      details: `Weight sets cannot be matched to it; recompile with \`glassbox compile … --weights committed --out ${buildDir}\`.`,
    })
  }
  const set = await readWeightSet(path)
  if (set.architecture !== manifest.weights.architecture) {
    throw new WeightSetError(`${path} belongs to another architecture than build "${manifest.name}".`, {
      details: `It was made for architecture ${set.architecture.slice(0, 16)}…, the build is ${manifest.weights.architecture.slice(0, 16)}…. Pass a weight set made for this build with \`glassbox weights\`.`,
    })
  }
  await verifyArtifacts(buildDir, manifest, ['model'])
  const modelPath = buildPaths(buildDir).model
  await withWeightSet(manifest, parseFixedPointModel(JSON.parse(await readFile(modelPath, 'utf8')), modelPath), path)
  return set
}
