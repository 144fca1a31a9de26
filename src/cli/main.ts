import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { GlassboxError } from '../errors.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { GLASSBOX_VERSION } from '../version.js'
import { compileCommand } from './commands/compileCommand.js'
import { demoCommand } from './commands/demoCommand.js'
import { deployCommand } from './commands/deployCommand.js'
import { inspectCommand } from './commands/inspectCommand.js'
import { proveCommand } from './commands/proveCommand.js'
import { runCommand } from './commands/runCommand.js'
import { setupCommand } from './commands/setupCommand.js'
import { verifyCommand } from './commands/verifyCommand.js'
import { workerCommand } from './commands/workerCommand.js'

/**
 * The glassbox CLI: parses arguments and calls the library; nothing else.
 * Exit codes: 0 ok, 1 a check failed, 2 bad usage or input.
 */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  const verbose = argv.includes('--verbose')
  let parser = yargs(argv)
    .scriptName('glassbox')
    .version(GLASSBOX_VERSION)
    .option('json', { type: 'boolean', default: false, global: true, describe: 'machine-readable output on stdout' })
    .option('verbose', { type: 'boolean', default: false, global: true, describe: 'debug logs and stack traces' })
    .option('quiet', { type: 'boolean', default: false, global: true, describe: 'only warnings and results' })
    .strict()
    .demandCommand(1, 'Name a command.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message)
    })
  for (const add of [compileCommand, setupCommand, runCommand, proveCommand, verifyCommand, deployCommand, inspectCommand, demoCommand, workerCommand]) {
    parser = add(parser) as typeof parser
  }
  try {
    await parser.parseAsync()
    return 0
  } catch (error) {
    return report(error, verbose)
  } finally {
    await releaseSnarkjs()
  }
}

class UsageError extends GlassboxError {
  override name = 'UsageError'
}

function report(error: unknown, verbose: boolean): number {
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.shortMessage}\nRun \`glassbox --help\` for usage.\n`)
    return 2
  }
  if (error instanceof GlassboxError) {
    process.stderr.write(`error: ${error.shortMessage}\n${error.details ? `${error.details}\n` : ''}`)
    if (verbose) process.stderr.write(`${error.stack ?? ''}\n${error.cause instanceof Error ? `caused by: ${error.cause.stack}\n` : ''}`)
    else if (error.cause) process.stderr.write('(run with --verbose for the full trace)\n')
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`error: ${message}\n`)
  process.stderr.write(verbose && error instanceof Error ? `${error.stack}\n` : 'This is unexpected; run with --verbose and report the trace.\n')
  return 1
}
