import type { Logger } from '../logger.js'
import { consoleLogger } from '../logger.js'
import { createTask, writeAboveStatus } from './progress.js'

export type GlobalOptions = { json: boolean; verbose: boolean; quiet: boolean }

/**
 * The logger of a CLI command: stderr, written above any progress bar or task
 * line on screen; long work (`task`) ticks its elapsed time. `--quiet` keeps
 * warnings only.
 */
export function loggerFor({ verbose, quiet }: GlobalOptions): Logger {
  const logger = consoleLogger({ verbose, write: writeAboveStatus })
  return { ...logger, ...(quiet ? { info() {} } : {}), task: (label) => createTask(label, { quiet }) }
}
