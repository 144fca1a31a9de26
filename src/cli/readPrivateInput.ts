import { readFile } from 'node:fs/promises'
import { parseSalt } from '../field/parseSalt.js'
import { InputError } from '../errors.js'

/**
 * Reads an `--input` file of the market commands: an array of floats, or `{"input": [...]}`
 * (one line of inputs.jsonl), optionally with a `"salt"` (what `glassbox request --private
 * --secret-out` writes). The salt is never echoed in an error.
 *
 * @throws {InputError} For a file that is not such JSON.
 */
export async function readPrivateInput(path: string): Promise<{ input: number[]; salt?: bigint }> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(path, 'utf8'))
  } catch (cause) {
    throw new InputError(`Cannot read --input ${path} as JSON.`, { details: 'Expected an array of numbers, or {"input": [...], "salt"?: "0x…"}.', cause })
  }
  const object = Array.isArray(value) ? undefined : (value as { input?: unknown; salt?: unknown } | null)
  const array = Array.isArray(value) ? value : object?.input
  if (!Array.isArray(array) || !array.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputError(`--input ${path} holds no array of numbers.`, { details: 'Expected an array of numbers, or {"input": [...], "salt"?: "0x…"}.' })
  }
  return object?.salt === undefined ? { input: array as number[] } : { input: array as number[], salt: parseSalt(object.salt, `--input ${path}`) }
}
