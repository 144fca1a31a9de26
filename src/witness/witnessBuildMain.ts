/**
 * Entry point of the detached process started by startBackgroundWitnessBuild:
 * `node witnessBuildMain.js '{"buildDir", "cacheDir", "optimization"?, "jobs"?}'`.
 * Logs to stdout (the build folder's witness.log); exits 0 when `witness/` is installed.
 */
import { setPriority } from 'node:os'
import { GlassboxError } from '../errors.js'
import type { Logger } from '../logger.js'
import type { EnsureNativeWitnessParameters } from './ensureNativeWitness.js'
import { ensureNativeWitness } from './ensureNativeWitness.js'

const stamp = () => new Date().toISOString()
const logger: Logger = {
  info: (m) => process.stdout.write(`${stamp()} ${m}\n`),
  warn: (m) => process.stdout.write(`${stamp()} warning: ${m}\n`),
  debug: () => {},
}

try {
  const request = JSON.parse(process.argv[2] ?? '') as EnsureNativeWitnessParameters
  // Lowest CPU priority, inherited by g++: the build takes only the cores that
  // setup and prove (which start right after compile) leave idle, never theirs.
  let priority = 'nice 19'
  try {
    setPriority(19)
  } catch (error) {
    priority = `normal priority (setPriority failed: ${error instanceof Error ? error.message : String(error)})`
  }
  logger.info(`native witness build for ${request.buildDir} (pid ${process.pid}, ${priority})`)
  const result = await ensureNativeWitness({ ...request, logger })
  logger.info(`${result.cached ? 'cached binary' : 'built'}: installed ${result.installed}`)
  logger.info('done')
} catch (error) {
  const message = error instanceof GlassboxError ? `${error.shortMessage}\n${error.details ?? ''}` : error instanceof Error ? (error.stack ?? error.message) : String(error)
  logger.info(`failed: ${message}`)
  process.exitCode = 1
}
