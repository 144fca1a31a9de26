import type { Manifest } from '../artifacts/manifest.js'

/**
 * The one-line warning for a key with a single phase-2 contribution (setup's
 * own: whoever ran setup knows δ and can forge proofs), or undefined. Pure.
 */
export function singleContributionWarning(manifest: Pick<Manifest, 'name' | 'setup'>): string | undefined {
  const count = manifest.setup?.contributions?.length
  if (count !== 1) return undefined
  return `the proving key of "${manifest.name}" has a single contribution (its setup's): whoever ran setup can forge proofs; add contributions with \`glassbox setup contribute\` and a \`glassbox setup beacon\` before trusting them.`
}
