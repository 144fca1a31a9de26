import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { bundledEntry } from './bundledEntry.js'
import { packagePath } from './packageRoot.js'

const built = existsSync(packagePath('dist', 'cli-bundle', 'inputs.json'))

describe.skipIf(!built)('bundledEntry (in a checkout, after npm run build)', () => {
  it('runs the bundle while it is newer than every dist/ file it holds, and dist/ as soon as one is newer', () => {
    expect(bundledEntry('main')).toBe(packagePath('dist', 'cli-bundle', 'main.js'))
    expect(bundledEntry('proveWorker')).toBe(packagePath('dist', 'cli-bundle', 'proveWorker.js'))
    // One module rewritten after the bundle (what `tsc -w` does): the bundle is stale.
    const { inputs } = JSON.parse(readFileSync(packagePath('dist', 'cli-bundle', 'inputs.json'), 'utf8')) as { inputs: string[] }
    const module = packagePath(inputs.find((file) => file.includes('/layers/'))!)
    const { atime, mtime } = statSync(module)
    try {
      utimesSync(module, atime, new Date(statSync(packagePath('dist', 'cli-bundle', 'main.js')).mtimeMs + 60_000))
      expect(bundledEntry('main')).toBeUndefined()
      expect(bundledEntry('proveWorker')).toBeUndefined()
    } finally {
      utimesSync(module, atime, mtime)
    }
    expect(bundledEntry('main')).toBe(packagePath('dist', 'cli-bundle', 'main.js'))
  })
})
