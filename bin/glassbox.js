#!/usr/bin/env node
// The glassbox CLI. `npm run build` (run by `npm install` as prepare) compiles the TypeScript
// sources to dist/ and bundles the CLI into dist/cli-bundle/ (scripts/bundle-cli.mjs), which
// starts faster. A dist/ compiled again without the bundle step runs unbundled, never stale.
import { statSync } from 'node:fs'

const built = new URL('../dist/cli/main.js', import.meta.url)
const bundled = new URL('../dist/cli-bundle/main.js', import.meta.url)
const bundledAt = modifiedAt(bundled)
const { main } = await import((bundledAt >= 0 && bundledAt >= modifiedAt(built) ? bundled : built).href)

// Exit explicitly: worker pools and snarkjs threads must not keep a finished command alive.
process.exit(await main())

function modifiedAt(file) {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1
}
