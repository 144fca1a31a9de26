import type { Manifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import type { WitnessKind } from './createWitnessCalculator.js'
import { locateNativeWitness } from './locateNativeWitness.js'

/**
 * Says once, before a batch starts, which witness generator it will use:
 * provers in worker threads have no logger, so this is where a missing or
 * pending native binary is reported (one warning line).
 *
 * @returns the generator the batch starts with.
 */
export async function reportNativeWitness(buildDir: string, manifest: Manifest, prefer: WitnessKind, logger: Logger): Promise<WitnessKind> {
  if (prefer === 'wasm') {
    logger.debug('witness: wasm (asked for)')
    return 'wasm'
  }
  const found = await locateNativeWitness(buildDir, manifest)
  if (found.ok) {
    logger.debug(`witness: native (${found.info.recipe.optimization}, ${found.binary})`)
    return 'native'
  }
  if (found.state === 'off') logger.debug(`witness: wasm (${found.reason})`)
  else if (found.state === 'pending') logger.warn(`witness: wasm for now, native when ready: ${found.reason}`)
  else logger.warn(`witness: wasm: ${found.reason}`)
  return 'wasm'
}
