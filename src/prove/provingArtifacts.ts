import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { parseFixedPointModel } from '../quantize/fixedPointModel.js'

export type ProvingArtifacts = {
  buildDir: string
  manifest: Manifest
  model: FixedPointModel
  wasm: Uint8Array
  zkey: Uint8Array
}

/**
 * Loads what proving needs, each file checked against its SHA-256 in the
 * manifest first: a key from another circuit or a changed model is refused
 * before any work is done.
 *
 * @throws {ArtifactError} naming the file that is missing or does not match.
 */
export async function loadProvingArtifacts(buildDir: string, { withKey = true }: { withKey?: boolean } = {}): Promise<ProvingArtifacts> {
  const paths = buildPaths(buildDir)
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, withKey ? ['model', 'wasm', 'zkey'] : ['model', 'wasm'])
  const model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')), paths.model)
  return {
    buildDir,
    manifest,
    model,
    wasm: new Uint8Array(await readFile(paths.wasm)),
    zkey: withKey ? new Uint8Array(await readFile(paths.zkey)) : new Uint8Array(),
  }
}
