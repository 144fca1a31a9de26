import { createReadStream } from 'node:fs'

/**
 * Counts the lines of a file by scanning for newlines (a last line without
 * one counts too), without decoding or keeping any of it: the total a
 * progress bar needs for a file too large to hold. Blank lines are counted.
 */
export async function countLines(path: string): Promise<number> {
  let lines = 0
  let last = 0x0a
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const bytes = chunk as Buffer
    let at = bytes.indexOf(0x0a)
    while (at !== -1) {
      lines++
      at = bytes.indexOf(0x0a, at + 1)
    }
    if (bytes.length) last = bytes[bytes.length - 1]!
  }
  return last === 0x0a ? lines : lines + 1
}
