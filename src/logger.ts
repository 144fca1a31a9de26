/**
 * The logger is a parameter of every long-running function, never a global.
 * The CLI passes a console logger; the library defaults to silence.
 */
export type Logger = {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} }

/** Logs to stderr so stdout stays machine-readable (`--json`). */
export function consoleLogger({ verbose = false }: { verbose?: boolean } = {}): Logger {
  return {
    info: (m) => process.stderr.write(`${m}\n`),
    warn: (m) => process.stderr.write(`warning: ${m}\n`),
    debug: (m) => {
      if (verbose) process.stderr.write(`debug: ${m}\n`)
    },
  }
}
