import { open } from 'node:fs/promises'

export type JsonlAppender = {
  /** Resolves once the line is written and flushed to disk. Lines never interleave. */
  append(record: unknown): Promise<void>
  /** Waits for pending lines, then closes the file. */
  close(): Promise<void>
}

/**
 * Opens a JSONL file for appending whole lines durably. Lines that arrive
 * while a flush is running are written together in one `write` and one
 * `fdatasync` (group commit), so thousands of small lines a second do not
 * cost one disk sync each; every `append` still resolves only after its line
 * is on disk. Each write is whole lines, so a crash leaves at most a torn
 * last line, which `repairJsonlTail` removes.
 */
export async function openJsonlAppender(path: string): Promise<JsonlAppender> {
  const handle = await open(path, 'a')
  let pending: { line: string; resolve: () => void; reject: (e: unknown) => void }[] = []
  let flushing: Promise<void> | undefined
  let failure: unknown

  const flush = async (): Promise<void> => {
    while (pending.length) {
      const batch = pending
      pending = []
      try {
        if (failure) throw failure
        await handle.write(batch.map((p) => p.line).join(''))
        await handle.datasync()
        for (const p of batch) p.resolve()
      } catch (error) {
        // A failed write may have left a partial line: refuse every later one too.
        failure ??= error
        for (const p of batch) p.reject(error)
      }
    }
    flushing = undefined
  }

  return {
    append(record) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ line: `${JSON.stringify(record)}\n`, resolve, reject })
        flushing ??= flush()
      })
    },
    async close() {
      while (flushing) await flushing
      await handle.close()
    },
  }
}
