import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import type { WitnessKind } from './createWitnessCalculator.js'
import { locateNativeWitness } from './locateNativeWitness.js'

/**
 * Says once, before a batch starts, which witness generator it will use:
 * provers in worker threads have no logger, so this is where a missing or
 * pending native binary is reported (one warning line). While the binary is
 * pending (built in the background after compile), it keeps looking and says
 * when it is ready (provers switch to it from their next input) or when its
 * build failed (proving stays on wasm).
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
  else if (found.state === 'pending') {
    logger.warn(`witness: wasm for now, native when ready: ${found.reason}`)
    watchPendingWitness(buildDir, manifest, logger)
  }
  else logger.warn(`witness: wasm: ${found.reason}`)
  return 'wasm'
}

const WATCH_INTERVAL_MS = 3000
const WATCH_LIMIT_MS = 2 * 60 * 60 * 1000

/** Polls for the background build's result on an unref'd timer (it never keeps a process alive) and reports it once. */
function watchPendingWitness(buildDir: string, manifest: Manifest, logger: Logger): void {
  const started = Date.now()
  const timer = setInterval(() => {
    void (async () => {
      const found = await locateNativeWitness(buildDir, manifest)
      if (found.ok) {
        clearInterval(timer)
        logger.info(`witness: native binary ready (built ${found.info.builtAt}); provers switch to it from their next input`)
        return
      }
      const log = await readFile(buildPaths(buildDir).witnessLog, 'utf8').catch(() => '')
      if (found.state !== 'pending' || /failed: /.test(log) || Date.now() - started > WATCH_LIMIT_MS) {
        clearInterval(timer)
        if (found.state === 'invalid' || /failed: /.test(log)) logger.warn(`witness: the native build did not produce a usable binary; proving stays on wasm (see ${buildPaths(buildDir).witnessLog})`)
      }
    })()
  }, WATCH_INTERVAL_MS)
  timer.unref()
}
