import { open, readFile, truncate } from 'node:fs/promises'
import type { Logger } from '../logger.js'

/**
 * The proofs file is the batch job's durable state: one complete JSON line
 * per finished proof. On resume, every complete line's id counts as done; a
 * partial last line (the process was killed mid-write) is cut off.
 *
 * @returns The ids already proven.
 */
export async function recoverProofsFile(path: string, logger: Logger): Promise<Set<string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set()
    throw error
  }
  const done = new Set<string>()
  let goodBytes = 0
  let offset = 0
  for (const line of text.split('\n')) {
    const end = offset + Buffer.byteLength(line) + 1
    if (end > Buffer.byteLength(text)) break // no trailing newline: an interrupted write
    if (line.trim()) {
      try {
        const { id } = JSON.parse(line) as { id?: unknown }
        if (typeof id !== 'string') break
        done.add(id)
      } catch {
        break
      }
    }
    goodBytes = end
    offset = end
  }
  if (goodBytes < Buffer.byteLength(text)) {
    logger.warn(`${path}: dropping an incomplete last line left by an interrupted run`)
    await truncate(path, goodBytes)
  }
  return done
}

/** Appends JSON lines, each in one write and flushed to disk, so a crash loses at most the line in flight. */
export async function openProofsAppender(path: string) {
  const handle = await open(path, 'a')
  return {
    async append(record: unknown): Promise<void> {
      await handle.write(`${JSON.stringify(record)}\n`)
      await handle.datasync()
    },
    close: () => handle.close(),
  }
}
