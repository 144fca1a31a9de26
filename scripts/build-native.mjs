#!/usr/bin/env node
// Builds the native prover addon (native/, a Rust crate) with plain
// `cargo build --release` and copies the library to native/glassbox_native.node.
// Nothing is downloaded except crates from crates.io (pinned by Cargo.lock).
// A missing cargo or a failed build is not an error for the install: glassbox
// then proves with snarkjs, and this prints one warning saying so.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const manifest = join(root, 'native', 'Cargo.toml')
const target = join(root, 'native', 'target')
const out = join(root, 'native', 'glassbox_native.node')
const libraryName = { linux: 'libglassbox_native.so', darwin: 'libglassbox_native.dylib', win32: 'glassbox_native.dll' }[process.platform]

function warn(reason) {
  process.stderr.write(`warning: glassbox native prover not built (${reason}); proving falls back to snarkjs (slower).\n`)
  process.exit(0)
}

if (process.env.GLASSBOX_SKIP_NATIVE) warn('GLASSBOX_SKIP_NATIVE is set')
if (!libraryName) warn(`unsupported platform ${process.platform}`)

const cargo = process.env.CARGO || 'cargo'
const args = ['build', '--release', '--locked', '--manifest-path', manifest, '--target-dir', target]
process.stderr.write(`building the native prover: ${cargo} ${args.join(' ')}\n`)
// cwd native/ so that native/.cargo/config.toml (target-cpu=native) applies.
const child = spawn(cargo, args, { cwd: join(root, 'native'), stdio: ['ignore', 'inherit', 'inherit'] })
child.on('error', (error) => warn(error.code === 'ENOENT' ? 'cargo not found; install Rust from your package manager or rustup' : error.message))
child.on('close', (code, signal) => {
  if (code !== 0) warn(`cargo exited with ${signal ?? code}`)
  const built = join(target, 'release', libraryName)
  if (!existsSync(built)) warn(`cargo finished but ${built} is missing`)
  // Copy then rename: a process that has the old addon loaded keeps a valid file.
  copyFileSync(built, `${out}.tmp`)
  renameSync(`${out}.tmp`, out)
  process.stderr.write(`native prover built: ${out}\n`)
})
