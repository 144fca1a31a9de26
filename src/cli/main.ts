import type { Argv } from 'yargs'
import yargs from 'yargs'
import { hideBin } from 'yargs/helpers'
import { FileAccessError, GlassboxError, InternalError, InterruptedError, UsageError } from '../errors.js'
import { settleUninterruptible, uninterruptibleCount } from '../io/uninterruptible.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { GLASSBOX_VERSION } from '../version.js'
import { scrubChainText } from '../chain/scrubChainText.js'
import { printableCommand } from './commandLine.js'
import type { GlobalOptions } from './globalOptions.js'
import { claimedInterruptHandler } from './interrupts.js'
import { flushJsonResult, printJsonFailure, resetJsonResult } from './output.js'
import { stopAllStatusLines } from './progress.js'

type CommandModule = (yargs: Argv<GlobalOptions>) => Argv<GlobalOptions>

/**
 * Every command, loaded on demand: a command's module (and what it imports:
 * snarkjs, ethers, BullMQ, onnxruntime…) is imported only when that command
 * runs, so `glassbox verify` or `glassbox run` does not pay for the others.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  compile: async () => (await import('./commands/compileCommand.js')).compileCommand,
  setup: async () => (await import('./commands/setupCommand.js')).setupCommand,
  run: async () => (await import('./commands/runCommand.js')).runCommand,
  prove: async () => (await import('./commands/proveCommand.js')).proveCommand,
  verify: async () => (await import('./commands/verifyCommand.js')).verifyCommand,
  deploy: async () => (await import('./commands/deployCommand.js')).deployCommand,
  register: async () => (await import('./commands/registerCommand.js')).registerCommand,
  request: async () => (await import('./commands/requestCommand.js')).requestCommand,
  lock: async () => (await import('./commands/lockCommand.js')).lockCommand,
  fulfil: async () => (await import('./commands/fulfilCommand.js')).fulfilCommand,
  withdraw: async () => (await import('./commands/withdrawCommand.js')).withdrawCommand,
  status: async () => (await import('./commands/statusCommand.js')).statusCommand,
  inspect: async () => (await import('./commands/inspectCommand.js')).inspectCommand,
  demo: async () => (await import('./commands/demoCommand.js')).demoCommand,
  weights: async () => (await import('./commands/weightsCommand.js')).weightsCommand,
  worker: async () => (await import('./commands/workerCommand.js')).workerCommand,
  node: async () => (await import('./commands/nodeCommand.js')).nodeCommand,
}

/** The modules to load: the named command's alone, or all of them (help, a typo to suggest a command for, none given). */
function commandsFor(argv: readonly string[]): (() => Promise<CommandModule>)[] {
  const named = argv.find((arg) => !arg.startsWith('-'))
  if (named === undefined && argv.includes('--version')) return []
  const only = named !== undefined && Object.hasOwn(COMMANDS, named) ? COMMANDS[named] : undefined
  return only ? [only] : Object.values(COMMANDS)
}

/**
 * The glassbox CLI: parses arguments and calls the library; nothing else.
 * Exit codes: 0 ok, 1 a check failed, 2 bad usage, input or file access,
 * 70 an internal error (a bug), 130 interrupted. With `--json`, stdout holds
 * one JSON document: the result, or `{"ok": false, "error": {…}}`.
 */
export async function main(argv: string[] = hideBin(process.argv)): Promise<number> {
  const verbose = argv.includes('--verbose')
  const json = argv.includes('--json')
  resetJsonResult()
  let parser = yargs(argv)
    .scriptName('glassbox')
    // yargs's own messages in English whatever LANG says, bundled (where its locale files are not) or not.
    .locale('en')
    .version(GLASSBOX_VERSION)
    .option('json', { type: 'boolean', default: false, global: true, describe: 'machine-readable output on stdout (one JSON document, also on failure)' })
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
  const loaders = commandsFor(argv)
  // zod compiles a fast parser per schema on first use, which only pays off over many parses; the
  // CLI parses each artifact file once (a manifest, a model), so interpreting is 25–35 ms faster.
  if (loaders.length) (await import('zod')).z.config({ jitless: true })
  for (const add of await Promise.all(loaders.map((load) => load()))) {
    parser = add(parser as unknown as Argv<GlobalOptions>) as unknown as typeof parser
  }
  skipHelpPrerender(parser)
  // An interrupt exits at once, except during a step that must not be cut in half (a key swap):
  // that step finishes first, so the build folder always matches its manifest.
  const onInterrupt = (signal: NodeJS.Signals) => {
    const command = claimedInterruptHandler()
    if (command) return command(signal)
    if (uninterruptibleCount() > 0) process.stderr.write(`\n${signal}: finishing the file swap in progress first…\n`)
    void settleUninterruptible().then(() => process.exit(interrupted(argv, json, signal)))
  }
  process.on('SIGINT', onInterrupt)
  process.on('SIGTERM', onInterrupt)
  try {
    await parser.parseAsync()
    if (json) flushJsonResult()
    return 0
  } catch (error) {
    stopAllStatusLines()
    return report(classifyError(error), { verbose, json, rpcUrls: rpcUrlsIn(argv) })
  } finally {
    process.off('SIGINT', onInterrupt)
    process.off('SIGTERM', onInterrupt)
    await releaseSnarkjs()
  }
}

/**
 * yargs renders the whole help text each time a command's handler starts, in
 * case the handler fails and help is to be shown with the error. glassbox
 * never shows help on a failure (`.fail` throws; `--help` renders its own), so
 * that rendering (20–40 ms of string-width and wrapping, on every command) is
 * skipped. It is yargs's internal usage object: if a yargs release renames it,
 * this does nothing and help is rendered as before.
 */
function skipHelpPrerender(parser: unknown): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } }
  const usage = (parser as Internals).getInternalMethods?.().getUsageInstance?.()
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {}
}

/**
 * Every failure becomes a GlassboxError: ours as they are, yargs' validation
 * errors as usage errors, file system errors (a missing input, a file where
 * `--out` needs a folder) as FileAccessError naming the path, and anything
 * else as an InternalError (exit 70: a bug, not "a check failed").
 */
export function classifyError(error: unknown): GlassboxError {
  if (error instanceof GlassboxError) return error
  if (error instanceof Error && error.name === 'YError') return new UsageError(error.message)
  const errno = error as (Partial<NodeJS.ErrnoException> & { dest?: string }) | undefined
  if (errno && typeof errno.code === 'string' && /^E[A-Z]+$/.test(errno.code) && typeof errno.syscall === 'string') {
    const path = errno.path ?? errno.dest
    const where = path ?? `a file (${errno.syscall})`
    const known = FILE_PROBLEMS[errno.code]
    return new FileAccessError(known ? `${known[0]}: ${where}` : `cannot ${errno.syscall} ${where} (${errno.code})`, {
      details: known?.[1] ?? 'Check the path and its permissions.',
      ...(path ? { path } : {}),
      errno: errno.code,
      cause: error,
    })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new InternalError(`internal error: ${message.split('\n')[0]}`, {
    details: 'This is a glassbox bug, not a problem with your input. Rerun with --verbose and report the trace.',
    cause: error,
  })
}

const FILE_PROBLEMS: Record<string, [string, string]> = {
  ENOENT: ['no such file or folder', 'Check the path. Output files and folders are created for you, so this is an input (or a folder above an output) that does not exist.'],
  EEXIST: ['a file is in the way', 'glassbox needs to create a folder where a file of that name exists: remove it or choose another --out.'],
  ENOTDIR: ['a part of this path is a file, not a folder', 'Choose an --out (or input path) whose parent folders are folders.'],
  EISDIR: ['this is a folder, not a file', 'Pass a file path here (for prove/run --out: a .jsonl file, not a folder).'],
  EACCES: ['permission denied', 'Choose a path you can write to, or fix its permissions.'],
  EPERM: ['operation not permitted', 'Choose a path you can write to, or fix its permissions.'],
  ENOSPC: ['no space left on the device', 'Free some disk space (keys and build folders can be large) and rerun the same command.'],
  EROFS: ['read-only file system', 'Choose a path on a writable file system.'],
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

function report(error: GlassboxError, { verbose, json, rpcUrls }: { verbose: boolean; json: boolean; rpcUrls: readonly string[] }): number {
  if (json) printJsonFailure(error)
  // Last line of defence: no RPC secret or signed transaction in anything printed below
  // (chain errors are scrubbed where they are made; this catches what they did not foresee).
  const stderr = { write: (text: string) => process.stderr.write(scrubChainText(text, { rpcUrls })) }
  if (error instanceof UsageError) {
    stderr.write(`error: ${error.shortMessage}\nRun \`glassbox --help\` for usage.\n`)
    return error.exitCode
  }
  stderr.write(`error: ${error.shortMessage}\n${error.details ? `${error.details}\n` : ''}`)
  const trace = error instanceof InternalError && error.cause instanceof Error ? error.cause : error
  if (verbose) stderr.write(`${trace.stack ?? ''}\n${trace !== error.cause && error.cause instanceof Error ? `caused by: ${error.cause.stack}\n` : ''}`)
  else if (error.cause) stderr.write('(run with --verbose for the full trace)\n')
  return error.exitCode
}

/** Ctrl-C: leave the terminal clean (bar, cursor), say how to resume, exit 130. */
function interrupted(argv: string[], json: boolean, signal: NodeJS.Signals): number {
  stopAllStatusLines()
  const command = printableCommand(argv)
  const error = new InterruptedError(`interrupted (${signal === 'SIGINT' ? 'Ctrl-C' : signal}).`, { details: resumeHint(argv, command) })
  if (json) printJsonFailure(error)
  process.stderr.write(`\n${error.shortMessage}\n${error.details}\n`)
  return error.exitCode
}

function resumeHint(argv: readonly string[], command: string): string {
  const name = argv[0]
  if (name === 'setup' && ['contribute', 'beacon'].includes(argv[1] ?? '')) {
    return `A ceremony step changes the key only in its final swap, which an interrupt lets finish: the build folder holds either the old key or the new one, with a matching manifest. Check with \`glassbox setup verify\`, and rerun the step if it is still wanted:\n  ${command}`
  }
  switch (name) {
    case 'prove':
      return `The proofs written so far are kept. To resume, rerun the same command; finished ids are skipped and a line torn by the interrupt is dropped:\n  ${command}`
    case 'compile':
      return `The build folder is incomplete (its manifest is written last). Rerun the same command to compile again:\n  ${command}`
    case 'setup':
      return `The keys were not recorded in the manifest; cached powers of tau are only ever complete files. Rerun the same command:\n  ${command}`
    default:
      return `Nothing needs cleaning up. Rerun the same command:\n  ${command}`
  }
}
