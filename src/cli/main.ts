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
import { fulfilCommand } from './commands/fulfilCommand.js'
import { lockCommand } from './commands/lockCommand.js'
import { registerCommand } from './commands/registerCommand.js'
import { requestCommand } from './commands/requestCommand.js'
import { statusCommand } from './commands/statusCommand.js'
import { withdrawCommand } from './commands/withdrawCommand.js'
import { scrubChainText } from '../chain/scrubChainText.js'

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
  const commands = [compileCommand, setupCommand, runCommand, proveCommand, verifyCommand, deployCommand, registerCommand, requestCommand, lockCommand, fulfilCommand, withdrawCommand, statusCommand, inspectCommand, demoCommand]
  for (const add of commands) {
    parser = add(parser) as typeof parser
  }
  try {
    await parser.parseAsync()
    return 0
  } catch (error) {
    return report(error, verbose, rpcUrlsIn(argv))
  } finally {
    await releaseSnarkjs()
  }
}

class UsageError extends GlassboxError {
  override name = 'UsageError'
}

/** The raw `--rpc` values, so no error text can show their secrets. */
function rpcUrlsIn(argv: readonly string[]): string[] {
  const urls: string[] = []
  argv.forEach((arg, i) => {
    if (arg === '--rpc' && argv[i + 1]) urls.push(argv[i + 1]!)
    else if (arg.startsWith('--rpc=')) urls.push(arg.slice('--rpc='.length))
  })
  return urls
}

function report(error: unknown, verbose: boolean, rpcUrls: readonly string[]): number {
  // Last line of defence: no RPC secret or signed transaction in anything printed below.
  const stderr = { write: (text: string) => process.stderr.write(scrubChainText(text, { rpcUrls })) }
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.shortMessage}\nRun \`glassbox --help\` for usage.\n`)
    return 2
  }
  if (error instanceof GlassboxError) {
    stderr.write(`error: ${error.shortMessage}\n${error.details ? `${error.details}\n` : ''}`)
    if (verbose) stderr.write(`${error.stack ?? ''}\n${error.cause instanceof Error ? `caused by: ${error.cause.stack}\n` : ''}`)
    else if (error.cause) stderr.write('(run with --verbose for the full trace)\n')
    return error.exitCode
  }
  const message = error instanceof Error ? error.message : String(error)
  stderr.write(`error: ${message}\n`)
  stderr.write(verbose && error instanceof Error ? `${error.stack}\n` : 'This is unexpected; run with --verbose and report the trace.\n')
  return 1
}
