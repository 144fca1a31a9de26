import { open } from 'node:fs/promises'

export type RepairJsonlTailReturnType = {
  /** Bytes cut off the end (0 when the file was whole or absent). */
  droppedBytes: number
}

/**
 * Cuts a torn last line off a JSONL file that is only ever appended to in
 * whole lines (`{…}\n` per write): a file that does not end with a newline was
 * interrupted mid-write, and everything after its last newline is dropped.
 * Reads backwards in chunks, so memory does not grow with the file.
 */
export async function repairJsonlTail(path: string): Promise<RepairJsonlTailReturnType> {
  let handle
  try {
    handle = await open(path, 'r+')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { droppedBytes: 0 }
    throw error
  }
  try {
    const { size } = await handle.stat()
    if (size === 0) return { droppedBytes: 0 }
    const chunk = Buffer.alloc(64 * 1024)
    let end = size
    while (end > 0) {
      const start = Math.max(0, end - chunk.length)
      const { bytesRead } = await handle.read(chunk, 0, end - start, start)
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a)
      if (newline >= 0) {
        const keep = start + newline + 1
        if (keep < size) await handle.truncate(keep)
        return { droppedBytes: size - keep }
      }
      end = start
    }
    await handle.truncate(0)
    return { droppedBytes: size }
  } finally {
    await handle.close()
  }
}
