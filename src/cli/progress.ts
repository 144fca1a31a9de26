import cliProgress from 'cli-progress'

export type ProgressReporter = {
  update(done: number, total: number, note?: string): void
  stop(): void
}

/**
 * A progress bar with rate and ETA on a TTY; plain, greppable lines otherwise
 * (CI logs, pipes). Always on stderr so stdout stays for results and --json.
 */
export function createProgress(label: string, { quiet = false }: { quiet?: boolean } = {}): ProgressReporter {
  if (quiet) return { update() {}, stop() {} }
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | {rate}/min | ETA {eta_formatted} {note}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    const started = Date.now()
    let running = false
    return {
      update(done, total, note = '') {
        const rate = done > 0 ? ((done / (Date.now() - started)) * 60_000).toFixed(1) : '–'
        if (!running) {
          bar.start(total, done, { rate, note })
          running = true
        } else bar.update(done, { rate, note })
      },
      stop() {
        if (running) bar.stop()
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
      process.stderr.write(`${label}: ${done}/${total} (${rate.toFixed(1)}/min, ETA ${eta.toFixed(0)} s)${note ? ` ${note}` : ''}\n`)
    },
    stop() {},
  }
}
