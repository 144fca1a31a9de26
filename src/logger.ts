/**
 * The logger is a parameter of every long-running function, never a global.
 * The CLI passes a console logger; the library defaults to silence.
 */
export type Logger = {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
  /**
   * Long work with no count to show (circom, a powers of tau, a key): the CLI
   * shows what is running and for how long. Optional; see {@link startTask}.
   */
  task?(label: string): LoggerTask
}

/** A running piece of long work; `end` says it finished (with a short note, e.g. "97146 constraints"). */
export type LoggerTask = { end(note?: string): void }

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} }

export type ConsoleLoggerOptions = {
  verbose?: boolean
  /** Where a finished line goes (default: stderr). The CLI routes it around an active progress bar. */
  write?: (line: string) => void
}

/** Logs to stderr so stdout stays machine-readable (`--json`). Tasks are a line when they start and one when they end. */
export function consoleLogger({ verbose = false, write = (line) => process.stderr.write(line) }: ConsoleLoggerOptions = {}): Logger {
  const logger: Logger = {
    info: (m) => write(`${m}\n`),
    warn: (m) => write(`warning: ${m}\n`),
    debug: (m) => {
      if (verbose) write(`debug: ${m}\n`)
    },
    task: (label) => plainTask(logger, label),
  }
  return logger
}

/**
 * Announces long work through the logger's `task` when it has one, else as
 * two info lines (start, and end with the elapsed time).
 *
 * @example
 * const task = startTask(logger, 'circom --O1')
 * try { await runCircom(…) } finally { task.end() }
 */
export function startTask(logger: Logger, label: string): LoggerTask {
  return logger.task ? logger.task(label) : plainTask(logger, label)
}

function plainTask(logger: Logger, label: string): LoggerTask {
  const started = Date.now()
  logger.info(`${label}…`)
  let ended = false
  return {
    end(note) {
      if (ended) return
      ended = true
      logger.info(`${label}: done in ${formatSeconds((Date.now() - started) / 1000)}${note ? ` (${note})` : ''}`)
    },
  }
}

/** `42 s`, `3 min 05 s`: elapsed times in logs and progress lines. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`
  const whole = Math.round(seconds)
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
}
