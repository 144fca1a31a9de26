import type { Logger } from '../logger.js'
import { consoleLogger } from '../logger.js'

export type GlobalOptions = { json: boolean; verbose: boolean; quiet: boolean }

export function loggerFor({ verbose, quiet }: GlobalOptions): Logger {
  const logger = consoleLogger({ verbose })
  return quiet ? { ...logger, info() {} } : logger
}
