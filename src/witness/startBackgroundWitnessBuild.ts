import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { WitnessOptimization } from './buildWitnessBinary.js'

export type StartBackgroundWitnessBuildParameters = {
  buildDir: string
  cacheDir: string
  optimization?: WitnessOptimization
  jobs?: number
}

export type StartBackgroundWitnessBuildReturnType = {
  /** The detached build process. */
  pid: number
  /** Its output (`<buildDir>/witness.log`); the last line says whether it succeeded. */
  logPath: string
}

/**
 * Starts {@link ensureNativeWitness} in a detached process and returns at
 * once: `glassbox compile` ends, proving starts with the wasm witness, and
 * provers switch to the native binary when it appears in `witness/`. The
 * process outlives its parent (its own session, stdio to the log file), so a
 * CLI command can exit while it builds. It runs at the lowest CPU priority
 * (nice 19, inherited by g++), so it does not slow the setup or proving that
 * follows: it uses the cores they leave idle, and `proveBatch` says when the
 * binary is ready and provers switch to it.
 *
 * @example
 * const { pid, logPath } = startBackgroundWitnessBuild({ buildDir: 'build/iris', cacheDir: 'keys/witness-cache' })
 */
export function startBackgroundWitnessBuild({ buildDir, cacheDir, optimization, jobs }: StartBackgroundWitnessBuildParameters): StartBackgroundWitnessBuildReturnType {
  const logPath = buildPaths(buildDir).witnessLog
  const log = openSync(logPath, 'w')
  try {
    const { script, execArgv } = entry()
    const request = JSON.stringify({ buildDir: resolve(buildDir), cacheDir: resolve(cacheDir), optimization, jobs })
    const child = spawn(process.execPath, [...execArgv, script, request], { detached: true, stdio: ['ignore', log, log] })
    child.unref()
    if (child.pid === undefined) throw new Error('the build process did not start')
    return { pid: child.pid, logPath }
  } finally {
    closeSync(log)
  }
}

// Under vitest/tsx the sources are .ts files: the child then needs tsx's loader.
function entry(): { script: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url)
  if (self.endsWith('.ts')) return { script: self.replace(/startBackgroundWitnessBuild\.ts$/, 'witnessBuildMain.ts'), execArgv: ['--import', 'tsx'] }
  return { script: self.replace(/startBackgroundWitnessBuild\.js$/, 'witnessBuildMain.js'), execArgv: [] }
}
