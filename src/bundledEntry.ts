import { existsSync, readFileSync, statSync } from 'node:fs'
import { packagePath } from './packageRoot.js'

/** The entry points scripts/bundle-cli.mjs bundles into dist/cli-bundle/. */
export type BundledEntryName = 'main' | 'proveWorker'

/**
 * The bundled file of an entry point (dist/cli-bundle/<name>.js, made by
 * scripts/bundle-cli.mjs) when it may be run, or undefined: the caller then
 * runs dist/'s own, unbundled file.
 *
 * - In an installed package (no src/ beside dist/) the bundle was packed with
 *   its dist/ and is always current. Its mtime says nothing there: npm writes
 *   installed files in its own order, with the time of writing.
 * - In a checkout, the bundle must be newer than every dist/ file it was made
 *   from (the list bundle-cli.mjs records): a tsc-only build, or `tsc -w`
 *   rewriting one module, leaves it stale, and a stale bundle would run old
 *   code. About a hundred stat calls, a millisecond.
 */
export function bundledEntry(name: BundledEntryName): string | undefined {
  const file = packagePath('dist', 'cli-bundle', `${name}.js`)
  const bundledAt = statSync(file, { throwIfNoEntry: false })?.mtimeMs
  if (bundledAt === undefined) return undefined
  if (!existsSync(packagePath('src'))) return file
  let inputs: string[]
  try {
    inputs = (JSON.parse(readFileSync(packagePath('dist', 'cli-bundle', 'inputs.json'), 'utf8')) as { inputs: string[] }).inputs
  } catch {
    return undefined
  }
  for (const input of inputs) {
    const at = statSync(packagePath(input), { throwIfNoEntry: false })?.mtimeMs
    if (at === undefined || at > bundledAt) return undefined
  }
  return file
}
