import { UsageError } from '../errors.js'

export type IntegerOptionSpec = { min: number; max?: number }

/**
 * For a yargs `.check()`: refuses any of the given options whose value is
 * not an integer in [min, max], so a value like `--workers 0` or
 * `--weight-bits 1.5` is an error (exit 2), never silently replaced by a
 * default. Options not given are not checked.
 *
 * @throws {UsageError} (exit 2) naming the first bad option and its range.
 */
export function checkIntegerOptions(argv: Record<string, unknown>, specs: Record<string, IntegerOptionSpec>): true {
  for (const [name, { min, max = Number.MAX_SAFE_INTEGER }] of Object.entries(specs)) {
    const value = argv[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`
      throw new UsageError(`--${name} must be ${range}, got ${Array.isArray(value) ? value.join(' ') : String(value)}.`)
    }
  }
  return true
}
