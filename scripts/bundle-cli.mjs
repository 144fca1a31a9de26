#!/usr/bin/env node
// Bundles the built CLI (dist/cli/main.js and the command modules it loads on
// demand) into dist/cli-bundle/, which bin/glassbox.js runs, and the prover
// pool's worker (dist/prove/proveWorker.js), which every pool thread loads at
// its start. Part of `npm run build`, after tsc; the bundle ships in the
// package's dist/.
//
// Why: Node 20 has no module compile cache, and loading an ES module costs a
// resolve, a read, a compile and a link each. `glassbox run` loaded 214 files
// (95 of them zod's, 24 yargs's) and spent more time on that than on its work.
// A few files per command instead (the command's chunk and the chunks it
// shares: esbuild's code splitting keeps the lazy per-command loading) start
// `glassbox run` and `glassbox verify` about 0.3 s sooner.
//
// Bundled: glassbox's own modules and the pure-JavaScript packages every
// command loads at start-up (yargs with its helpers, zod, cli-progress). Every other
// dependency stays a plain import: native code (onnxruntime-node, the addon),
// packages that load files beside themselves (snarkjs, circom2, circomlibjs,
// solc, bullmq's Lua scripts, anvil's binary) and those only some commands
// need. In a checkout, a bundle older than any dist/ file it was made from is
// not used (src/bundledEntry.ts): a tsc-only rebuild runs unbundled.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLED = new Set(['yargs', 'zod', 'cli-progress'])
const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const external = Object.keys(dependencies)
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`])

const outdir = join(root, 'dist', 'cli-bundle')
rmSync(outdir, { recursive: true, force: true })
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { main: 'dist/cli/main.js', proveWorker: 'dist/prove/proveWorker.js' },
  outdir: 'dist/cli-bundle',
  metafile: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, '*.node'],
  // CommonJS code in an ES module bundle calls require through esbuild's __require, which needs a real one.
  banner: { js: "import { createRequire as __glassboxCreateRequire } from 'node:module';\nconst require = __glassboxCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
// The dist/ files inside the bundle: in a checkout, a bundle older than any of them is stale (src/bundledEntry.ts).
const inputs = Object.keys(metafile.inputs).filter((file) => file.startsWith('dist/')).sort()
writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`)
