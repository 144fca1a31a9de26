#!/usr/bin/env node
// Builds the native prover addon (native/, a Rust crate) with plain
// `cargo build --release --locked` and copies the library to
// native/glassbox_native.node. It is the package's `install` script, so it runs
// in a clone (`npm ci`) and in a consumer's `npm install glassbox` (where npm 11
// asks for approval first: `npm install --allow-scripts=glassbox …`).
// Nothing is downloaded except crates from crates.io (pinned by Cargo.lock).
//
// A missing cargo or a failed build is not an error for the install: glassbox
// then proves with snarkjs. This prints one warning and records the reason in
// native/build-native.json, which the runtime warning quotes (npm hides the
// output of install scripts that succeed).
//
// The addon is portable: no target-cpu flag, so a built addon (a Docker layer,
// a cached node_modules) runs on any x86-64. GLASSBOX_NATIVE_CPU=native (or
// any rustc CPU name) opts into CPU-specific code for the build machine only:
// arkworks' BMI2/ADX assembly multiplication
// (measured no faster on a Zen 4: see the README's install section).
//
// Environment:
//   GLASSBOX_SKIP_NATIVE_BUILD=1  do not build (tests, CI steps that do not prove natively)
//   GLASSBOX_NATIVE_CPU=<cpu>     rustc -C target-cpu=<cpu> (default: none, portable)
//   CARGO=<path>                  the cargo binary (default: cargo on PATH)
//   CARGO_TARGET_DIR=<dir>        cargo's build folder (default: native/target, removed after
//                                 a build inside node_modules so an install leaves no 1 GB cache)
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = join(root, 'native', 'Cargo.toml')
const target = process.env.CARGO_TARGET_DIR || join(root, 'native', 'target')
const out = join(root, 'native', 'glassbox_native.node')
const status = join(root, 'native', 'build-native.json')
const libraryName = { linux: 'libglassbox_native.so', darwin: 'libglassbox_native.dylib', win32: 'glassbox_native.dll' }[process.platform]
const insideNodeModules = root.includes(`${sep}node_modules${sep}`)

function record(ok, reason) {
  try {
    writeFileSync(status, `${JSON.stringify({ ok, reason, at: new Date().toISOString() })}\n`)
  } catch {
    // A read-only install folder: the warning on stderr is all there is.
  }
}

function warn(reason) {
  record(false, reason)
  process.stderr.write(`warning: glassbox native prover not built (${reason}); proving falls back to snarkjs (slower).\n`)
  process.exit(0)
}

if (process.env.GLASSBOX_SKIP_NATIVE_BUILD || process.env.GLASSBOX_SKIP_NATIVE) {
  record(false, 'skipped at install: GLASSBOX_SKIP_NATIVE_BUILD was set')
  process.stderr.write('glassbox: native prover build skipped (GLASSBOX_SKIP_NATIVE_BUILD); proving uses snarkjs.\n')
  process.exit(0)
}
if (!existsSync(manifest)) warn(`${manifest} is missing`)
if (!libraryName) warn(`unsupported platform ${process.platform}`)

const cargo = process.env.CARGO || 'cargo'
const args = ['build', '--release', '--locked', '--manifest-path', manifest, '--target-dir', target]
const env = { ...process.env }
const cpu = process.env.GLASSBOX_NATIVE_CPU
if (cpu) {
  if (!/^[A-Za-z0-9_.-]+$/.test(cpu)) warn(`GLASSBOX_NATIVE_CPU=${cpu} is not a CPU name`)
  // Appended to the user's own flags; CARGO_ENCODED_RUSTFLAGS would silently replace them.
  env.RUSTFLAGS = [process.env.RUSTFLAGS, `-C target-cpu=${cpu}`].filter(Boolean).join(' ')
}
process.stderr.write(`building the native prover (about 2 minutes): ${cargo} ${args.join(' ')}${cpu ? ` with -C target-cpu=${cpu}` : ''}\n`)
const child = spawn(cargo, args, { cwd: join(root, 'native'), env, stdio: ['ignore', 'inherit', 'inherit'] })
child.on('error', (error) => warn(error.code === 'ENOENT' ? `${cargo} not found; install Rust (rustup or your package manager), then run \`node ${join(root, 'scripts', 'build-native.mjs')}\`` : error.message))
child.on('close', (code, signal) => {
  if (code !== 0) warn(`cargo exited with ${signal ?? code}`)
  const built = join(target, 'release', libraryName)
  if (!existsSync(built)) warn(`cargo finished but ${built} is missing`)
  // Copy then rename: a process that has the old addon loaded keeps a valid file.
  try {
    copyFileSync(built, `${out}.tmp`)
    renameSync(`${out}.tmp`, out)
  } catch (error) {
    warn(`cannot install the built addon at ${out}: ${error.code ?? error.message}`)
  }
  try {
    if (insideNodeModules && !process.env.CARGO_TARGET_DIR) rmSync(target, { recursive: true, force: true })
  } catch {
    // Only cargo's cache is left behind; the addon itself is in place.
  }
  record(true, cpu ? `built with -C target-cpu=${cpu}` : 'built (portable x86-64)')
  process.stderr.write(`native prover built: ${out}\n`)
})
