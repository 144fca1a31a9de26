#!/usr/bin/env node
// The glassbox CLI. `npm run build` (run by `npm install` as prepare) compiles the TypeScript
// sources to dist/ and bundles the CLI into dist/cli-bundle/ (scripts/bundle-cli.mjs), which
// starts faster; a bundle older than the dist/ it was made from is not run (dist/bundledEntry.js).
import { pathToFileURL } from 'node:url'
import { bundledEntry } from '../dist/bundledEntry.js'

const bundled = bundledEntry('main')
const { main } = await import(bundled ? pathToFileURL(bundled).href : new URL('../dist/cli/main.js', import.meta.url).href)

// Exit explicitly: worker pools and snarkjs threads must not keep a finished command alive.
process.exit(await main())
