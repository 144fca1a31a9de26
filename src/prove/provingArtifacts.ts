import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { parseFixedPointModel } from '../quantize/fixedPointModel.js'
import { applyWeightSet } from '../weights/applyWeightSet.js'
import { readWeightSet } from '../weights/weightSetFile.js'
import { WeightSetError } from '../errors.js'

export type ProvingArtifacts = {
  buildDir: string
  manifest: Manifest
  /** The fixed-point model, with the weight set's weights when one was given. */
  model: FixedPointModel
  /**
   * Which weights prove: the build's own, or a weight set (committed-weights
   * builds only). `commitment` is the public `weightsCommitment` the proofs
   * must carry; for a weight-set file it is the file's claim, which the caller
   * checks against `commitWeights(model)` on a thread that may load Poseidon.
   */
  weights: { visibility: 'constant' | 'committed'; commitment: string; source: string }
  wasm: Uint8Array
  /** The proving key's bytes; empty when loaded `withKey: false` (a backend with `loadKeyFile` reads `zkeyPath` itself). */
  zkey: Uint8Array
  zkeyPath: string
}

/**
 * Loads what proving needs, each file checked against its SHA-256 in the
 * manifest first: a key from another circuit or a changed model is refused
 * before any work is done.
 *
 * @throws {ArtifactError} naming the file that is missing or does not match.
 */
export async function loadProvingArtifacts(
  buildDir: string,
  { withKey = true, weightsPath }: { withKey?: boolean; /** A weight-set file (committed-weights builds). */ weightsPath?: string } = {},
): Promise<ProvingArtifacts> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, withKey ? ['model', 'wasm', 'zkey'] : ['model', 'wasm'])
  let model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')), paths.model)
  let weights: ProvingArtifacts['weights'] = { visibility: manifest.weights.visibility, commitment: manifest.weights.commitment, source: paths.model }
  if (weightsPath) {
    if (manifest.weights.visibility !== 'committed') {
      throw new WeightSetError(`Build "${manifest.name}" has constant weights: it runs and proves only the weights it was compiled with.`, {
        details: 'Recompile with `glassbox compile … --weights committed` to use other weight sets, or drop --weights.',
      })
    }
    const set = await readWeightSet(weightsPath)
    model = applyWeightSet(model, set, { source: weightsPath })
    weights = { visibility: 'committed', commitment: set.commitment, source: weightsPath }
  }
  return {
    buildDir,
    manifest,
    model,
    weights,
    wasm: new Uint8Array(await readFile(paths.wasm)),
    zkey: withKey ? new Uint8Array(await readFile(paths.zkey)) : new Uint8Array(),
    zkeyPath: paths.zkey,
  }
}
