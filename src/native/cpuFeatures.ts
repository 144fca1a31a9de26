import { readFileSync } from 'node:fs'

/**
 * The CPU features the addon was built to use (build-native.json's `cpuFeatures`, see
 * scripts/build-native.mjs) that this CPU lacks. An addon built with BMI2 + ADX loaded on a
 * CPU without them would die on its first such instruction (SIGILL, the whole process), so
 * the loader checks before it loads. Only Linux says (/proc/cpuinfo); elsewhere, and when
 * the flags cannot be read, nothing is reported missing.
 */
export function missingCpuFeatures(required: readonly string[], cpuinfo: string | undefined = readCpuinfo()): string[] {
  if (required.length === 0 || cpuinfo === undefined) return []
  const flags = cpuFlags(cpuinfo)
  if (flags.size === 0) return []
  return required.filter((feature) => !flags.has(feature))
}

/** The `flags` of /proc/cpuinfo's first processor (x86: every core has the same). */
export function cpuFlags(cpuinfo: string): Set<string> {
  const line = cpuinfo.split('\n').find((l) => /^flags\s*:/.test(l))
  return new Set(line ? line.slice(line.indexOf(':') + 1).trim().split(/\s+/) : [])
}

function readCpuinfo(): string | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return readFileSync('/proc/cpuinfo', 'utf8')
  } catch {
    return undefined
  }
}
