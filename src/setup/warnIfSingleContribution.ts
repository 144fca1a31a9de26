import { readManifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import { singleContributionWarning } from './singleContributionWarning.js'

export type WarnIfSingleContributionParameters = { buildDir: string; logger: Logger }

/**
 * Logs one warning line when the build's key has a single contribution (for
 * commands that use the key: prove, deploy). A manifest that cannot be read
 * is left to the command itself, which reports it with its own context.
 */
export async function warnIfSingleContribution({ buildDir, logger }: WarnIfSingleContributionParameters): Promise<void> {
  const manifest = await readManifest(buildDir).catch(() => undefined)
  const warning = manifest && singleContributionWarning(manifest)
  if (warning) logger.warn(warning)
}
