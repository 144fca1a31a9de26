import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InternalError } from './errors.js'

/**
 * The folder holding glassbox's own package.json (and its circuits/,
 * contracts/, native/ and examples/): the nearest folder above this module
 * whose package.json is named "glassbox". It is found by walking up, not by a
 * fixed `../..`, because the same code runs at different depths: from src/
 * (vitest, tsx), from dist/ (the library and the prover workers) and from
 * dist/cli-bundle/ (the bundled CLI, see scripts/bundle-cli.mjs).
 */
export const PACKAGE_ROOT: string = findPackageRoot(dirname(fileURLToPath(import.meta.url)))

/** A path inside the glassbox package. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts)
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (namedGlassbox(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) {
      throw new InternalError(`no package.json named "glassbox" above ${start}.`, { details: 'The glassbox package is incomplete (or was bundled into another program without its files): reinstall it.' })
    }
  }
}

function namedGlassbox(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'glassbox'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}
