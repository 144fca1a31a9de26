import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { InputError } from '../errors.js'

export type JsonlTextLine = {
  /** 1-based line number in the file. */
  lineNumber: number
  /** The line's text, without its newline; never blank. */
  text: string
}

/**
 * Streams the non-blank lines of a JSONL file without parsing them, so a
 * caller can turn a malformed line into a per-line error instead of stopping
 * (see `readJsonl` for the strict reader). One line is held at a time.
 *
 * @throws {InputError} when the file cannot be opened.
 */
export async function* readJsonlLines(path: string): AsyncGenerator<JsonlTextLine> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', reject)
    })
  } catch (cause) {
    throw new InputError(`Cannot read ${path}.`, { details: 'Check that the file exists and is readable.', cause })
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity })
  let lineNumber = 0
  try {
    for await (const text of lines) {
      lineNumber++
      if (text.trim() !== '') yield { lineNumber, text }
    }
  } finally {
    lines.close()
    stream.destroy()
  }
}
