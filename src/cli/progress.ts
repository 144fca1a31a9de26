import cliProgress from 'cli-progress'
import type { LoggerTask } from '../logger.js'
import { formatSeconds } from '../logger.js'

export type ProgressReporter = {
  update(done: number, total: number, note?: string): void
  stop(): void
}

/**
 * The line at the bottom of a terminal that redraws itself (a progress bar, a
 * ticking task). Log lines are written above it: clear it, write, redraw.
 */
type StatusLine = { clear(): void; redraw(): void; stop(): void }

// CLI-process state (this module is the terminal's edge): the status lines on
// screen, newest last. Only the newest is drawn.
const statusLines: StatusLine[] = []
const stream = process.stderr

/**
 * Writes finished text (ending in a newline) to stderr without breaking a
 * progress bar or task line on screen: the logger of every CLI command
 * writes through this.
 */
export function writeAboveStatus(text: string): void {
  const top = statusLines.at(-1)
  if (!top) {
    stream.write(text)
    return
  }
  top.clear()
  stream.write(text)
  top.redraw()
}

/**
 * Stops every bar and task line and shows the cursor again: for Ctrl-C, so the
 * terminal is left as it was found.
 */
export function stopAllStatusLines(): void {
  while (statusLines.length) statusLines.pop()!.stop()
  if (stream.isTTY) stream.write('\u001b[?25h')
}

function push(line: StatusLine): void {
  statusLines.at(-1)?.clear()
  statusLines.push(line)
}

function remove(line: StatusLine): void {
  const index = statusLines.indexOf(line)
  if (index >= 0) statusLines.splice(index, 1)
  statusLines.at(-1)?.redraw()
}

/**
 * A progress bar with rate and ETA on a TTY; plain, greppable lines otherwise
 * (CI logs, pipes). Always on stderr so stdout stays for results and --json.
 */
export function createProgress(label: string, { quiet = false }: { quiet?: boolean } = {}): ProgressReporter {
  if (quiet) return { update() {}, stop() {} }
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | {rate}/min | ETA {eta_formatted} {note}`, stream, hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    const started = Date.now()
    let running = false
    const line: StatusLine = {
      clear: () => stream.write('\r\u001b[K'),
      // cli-progress draws only when its text changed; after a log line it must redraw (its typings omit the flag).
      redraw: () => (bar.render as (force?: boolean) => void).call(bar, true),
      stop: () => {
        if (running) bar.stop()
        running = false
      },
    }
    return {
      update(done, total, note = '') {
        const rate = done > 0 ? ((done / (Date.now() - started)) * 60_000).toFixed(1) : '–'
        if (!running) {
          push(line)
          bar.start(total, done, { rate, note })
          running = true
        } else bar.update(done, { rate, note })
      },
      stop() {
        if (running) bar.stop()
        running = false
        remove(line)
      },
    }
  }
  const started = Date.now()
  let lastLine = 0
  return {
    update(done, total, note = '') {
      const now = Date.now()
      // One line per item for short jobs, at most one every 2 s for long ones.
      if (done !== total && total > 20 && now - lastLine < 2000) return
      lastLine = now
      const elapsed = (now - started) / 1000
      const rate = done > 0 ? (done / elapsed) * 60 : 0
      const eta = done > 0 ? ((total - done) * elapsed) / done : 0
      stream.write(`${label}: ${done}/${total} (${rate.toFixed(1)}/min, ETA ${eta.toFixed(0)} s)${note ? ` ${note}` : ''}\n`)
    },
    stop() {},
  }
}

/** How often a plain (non-TTY) task says it is still running. */
const PLAIN_TASK_INTERVAL_MS = 30_000

/**
 * Long work without a count (circom, a powers of tau, a Groth16 key): on a TTY
 * a line ticking the elapsed seconds ("circom --O1: 42 s…"); otherwise a line
 * when it starts, one every 30 s while it runs, and one when it ends.
 */
export function createTask(label: string, { quiet = false }: { quiet?: boolean } = {}): LoggerTask {
  if (quiet) return { end() {} }
  const started = Date.now()
  const elapsed = () => formatSeconds((Date.now() - started) / 1000)
  let ended = false
  if (stream.isTTY) {
    const line: StatusLine = {
      clear: () => stream.write('\r\u001b[K'),
      redraw: () => stream.write(`\r\u001b[K${label}: ${elapsed()}…`),
      stop: () => {
        clearInterval(timer)
        stream.write(`\r\u001b[K${label}: stopped after ${elapsed()}\n`)
      },
    }
    push(line)
    line.redraw()
    const timer = setInterval(() => line.redraw(), 1000)
    timer.unref()
    return {
      end(note) {
        if (ended) return
        ended = true
        clearInterval(timer)
        line.clear()
        remove(line)
        writeAboveStatus(`${label}: done in ${elapsed()}${note ? ` (${note})` : ''}\n`)
      },
    }
  }
  writeAboveStatus(`${label}…\n`)
  const timer = setInterval(() => writeAboveStatus(`${label}: still running, ${elapsed()}\n`), PLAIN_TASK_INTERVAL_MS)
  timer.unref()
  return {
    end(note) {
      if (ended) return
      ended = true
      clearInterval(timer)
      writeAboveStatus(`${label}: done in ${elapsed()}${note ? ` (${note})` : ''}\n`)
    },
  }
}
