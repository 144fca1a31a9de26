import { parseSalt } from '../field/parseSalt.js'
import { InputError } from '../errors.js'
import { readJsonl } from './readJsonl.js'

/**
 * One inference request: `{"id": "a1", "input": [5.1, 3.5, 1.4, 0.2]}` (an optional integer
 * `label` is kept; an optional `"salt"`, a decimal or 0x-hex field element, salts the input hash).
 */
export type InputRecord = {
  id: string
  input: number[]
  label?: number
  /** The private salt of the input hash (never logged or written to a proof record). */
  salt?: bigint
  /** 1-based line in the source file, for error messages. */
  lineNumber: number
}

export type ReadInputsOptions = {
  /** When given, every input must have exactly this many values. */
  expectedLength?: number
  /** Describes the expected shape in errors, e.g. "[1, 4]". */
  shapeDescription?: string
}

/**
 * Reads and validates an inputs JSONL file: each line has a string (or
 * number) `id`, unique in the file, and an `input` array of finite numbers.
 *
 * @throws {InputError} naming the file and line for anything malformed.
 */
export async function readInputs(path: string, options: ReadInputsOptions = {}): Promise<InputRecord[]> {
  const records: InputRecord[] = []
  const seen = new Map<string, number>()
  for await (const { lineNumber, value } of readJsonl(path)) {
    records.push(parseInputRecord(value, { ...options, where: `${path}:${lineNumber}`, lineNumber }))
    const record = records[records.length - 1]!
    const previous = seen.get(record.id)
    if (previous !== undefined) {
      throw new InputError(`${path}:${lineNumber}: duplicate id "${record.id}" (first on line ${previous}).`, {
        details: 'Every line needs a unique id so results can be matched and a batch job resumed.',
      })
    }
    seen.set(record.id, lineNumber)
  }
  return records
}

/** Validates one parsed input line. Pure; `where` is used in messages. */
export function parseInputRecord(
  value: unknown,
  { expectedLength, shapeDescription, where = 'input', lineNumber = 0 }: ReadInputsOptions & { where?: string; lineNumber?: number },
): InputRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: expected a JSON object with "id" and "input".`)
  }
  const { id, input, label, salt } = value as Record<string, unknown>
  if (typeof id !== 'string' && typeof id !== 'number') {
    throw new InputError(`${where}: missing "id" (a string).`)
  }
  if (!Array.isArray(input)) {
    throw new InputError(`${where}: "input" must be an array of numbers.`)
  }
  if (expectedLength !== undefined && input.length !== expectedLength) {
    throw new InputError(
      `${where}: "input" has ${input.length} values but the model takes ${expectedLength}${shapeDescription ? ` (shape ${shapeDescription}, flattened row-major)` : ''}.`,
    )
  }
  for (let i = 0; i < input.length; i++) {
    const v = input[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError(`${where}: input[${i}] is ${JSON.stringify(v) ?? String(v)}, not a finite number.`, {
        details: 'Inputs must be plain numbers; NaN, Infinity and strings are not allowed.',
      })
    }
  }
  const record: InputRecord = { id: String(id), input: input as number[], lineNumber }
  if (typeof label === 'number' && Number.isInteger(label)) record.label = label
  if (salt !== undefined) record.salt = parseSalt(salt, `${where}: "salt"`)
  return record
}
