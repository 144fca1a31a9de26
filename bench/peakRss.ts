/**
 * A process's own peak resident set size.
 *
 * Not `process.resourceUsage().maxRSS` (getrusage's ru_maxrss) in a spawned
 * child: Linux keeps the larger of it and the forked parent's RSS across
 * exec, so a child of a 200 MiB bench reports at least 200 MiB whatever it
 * used. VmHWM in /proc/self/status belongs to the process's own address space,
 * which exec replaces. Elsewhere (no /proc) ru_maxrss is all there is.
 */
import { readFileSync } from 'node:fs'

/** The peak RSS of this process in MiB (VmHWM on Linux). */
export function peakRssMiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Number(hwm[1]) / 1024
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS / 1024
}

/** The same, as JavaScript source for a child run with `node -e` (no imports there). */
export const PEAK_RSS_MIB_SOURCE = `function peakRssMiB() {
  try {
    const hwm = /^VmHWM:\\s+(\\d+) kB$/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))
    if (hwm) return Number(hwm[1]) / 1024
  } catch {}
  return process.resourceUsage().maxRSS / 1024
}`
