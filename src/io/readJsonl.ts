import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { InputError } from '../errors.js'

export type JsonlLine = { lineNumber: number; value: unknown }

/**
 * Reads a JSONL file line by line, yielding parsed values with their 1-based
 * line numbers. Blank lines are skipped; a line that is not JSON throws an
 * {@link InputError} naming the file and line.
 */
export async function* readJsonl(path: string): AsyncGenerator<JsonlLine> {
  let stream
  try {
    stream = createReadStream(path, { encoding: 'utf8' })
    await new Promise<void>((resolve, reject) => {
      stream!.once('open', () => resolve())
      stream!.once('error', reject)
    })
  } catch (cause) {
    throw new InputError(`Cannot read ${path}.`, {
      details: 'Check that the file exists and is readable.',
      cause,
    })
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity })
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber++
    if (line.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (cause) {
      throw new InputError(`${path}:${lineNumber} is not valid JSON.`, {
        details: 'Each line must be one JSON object, e.g. {"id": "a1", "input": [5.1, 3.5, 1.4, 0.2]}; NaN and Infinity are not valid JSON numbers.',
        cause,
      })
    }
    yield { lineNumber, value }
  }
}
