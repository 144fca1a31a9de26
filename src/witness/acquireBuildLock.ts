import { hostname } from 'node:os'
import { open, readFile, rm } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

export type BuildLock = { release(): Promise<void> }

export type AcquireBuildLockParameters = {
  /** The lock file (created exclusively; holds the owner's pid and host). */
  path: string
  /** Checked before every attempt: when true, another process finished the work and no lock is needed. */
  isDone: () => Promise<boolean>
  /** Called once when the lock is held by someone else and this call starts waiting. */
  onWait?: (owner: string) => void
  pollMs?: number
}

/**
 * A cross-process lock on one cache entry: an exclusively created file. A
 * lock whose owner process is gone (same host, pid not alive) is stale and
 * taken over. The lock only avoids duplicated work: builds write to their own
 * temporary folder and publish it with an atomic rename, so two builders that
 * race past it still leave one complete entry.
 *
 * @returns the lock, or undefined when `isDone` became true while waiting.
 */
export async function acquireBuildLock({ path, isDone, onWait, pollMs = 500 }: AcquireBuildLockParameters): Promise<BuildLock | undefined> {
  let announced = false
  for (;;) {
    if (await isDone()) return undefined
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }))
      await handle.close()
      return { release: () => rm(path, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = await readFile(path, 'utf8').catch(() => '')
    if (isStale(owner)) {
      await rm(path, { force: true })
      continue
    }
    if (!announced) {
      announced = true
      onWait?.(owner)
    }
    await sleep(pollMs)
  }
}

function isStale(owner: string): boolean {
  let parsed: { pid?: unknown; host?: unknown }
  try {
    parsed = JSON.parse(owner) as { pid?: unknown; host?: unknown }
  } catch {
    // Being written right now (empty), or garbage: only garbage is stale, and a
    // half-written file becomes valid within milliseconds.
    return owner.length > 0
  }
  if (typeof parsed.pid !== 'number' || parsed.host !== hostname()) return false
  try {
    process.kill(parsed.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
