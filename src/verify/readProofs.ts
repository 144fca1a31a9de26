import { FIELD_ORDER } from '../field/fieldElement.js'
import { VerifyError } from '../errors.js'
import { readJsonl } from '../io/readJsonl.js'
import type { ProofRecord } from '../prove/proofRecord.js'

export type ReadProofsOptions = {
  /** Accept a file without records (default false: there is nothing to verify, so that is an error). */
  allowEmpty?: boolean
}

/**
 * Reads a proofs file (JSONL of {@link ProofRecord}), checking each line's
 * shape so that a malformed line is reported with its file and line instead
 * of surfacing as a failed proof: ids, outputs (finite numbers), outputQ and
 * public signals (canonical field elements as decimal strings), an integer
 * class when present, and a snarkjs Groth16 proof (pi_a, pi_b, pi_c of
 * decimal strings).
 *
 * @throws {InputError} for a line that is not JSON, {@link VerifyError} for a
 *   line that is not a proof record, or for a file with no records.
 */
export async function readProofs(path: string, { allowEmpty = false }: ReadProofsOptions = {}): Promise<(ProofRecord & { lineNumber: number })[]> {
  const records: (ProofRecord & { lineNumber: number })[] = []
  for await (const { lineNumber, value } of readJsonl(path)) {
    records.push({ ...parseProofRecord(value, `${path}:${lineNumber}`), lineNumber })
  }
  if (records.length === 0 && !allowEmpty) {
    throw new VerifyError(`${path} holds no proof records.`, {
      details: 'There is nothing to verify: an empty proofs file proves nothing. Run `glassbox prove` to make proofs first, and check the path.',
    })
  }
  return records
}

const DECIMAL = /^\d+$/

/** Validates one parsed line of a proofs file. Pure; `where` (file:line) prefixes every message. */
export function parseProofRecord(value: unknown, where: string): ProofRecord {
  const fail = (message: string): never => {
    throw new VerifyError(`${where}: ${message}`, { details: 'The proofs file is damaged or not one glassbox wrote; re-prove the input.' })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a proof record (a JSON object).')
  const r = value as Record<string, unknown>
  if (typeof r['id'] !== 'string') fail('not a proof record (no string "id").')
  const isField = (s: unknown) => typeof s === 'string' && DECIMAL.test(s) && BigInt(s) < FIELD_ORDER
  if (!Array.isArray(r['publicSignals']) || !r['publicSignals'].every(isField)) {
    fail('"publicSignals" must be an array of field elements as decimal strings (each below the BN254 scalar field order).')
  }
  if (!Array.isArray(r['outputQ']) || !r['outputQ'].every((q) => typeof q === 'string' && /^-?\d+$/.test(q))) fail('"outputQ" must be an array of integers as decimal strings.')
  if (!Array.isArray(r['output']) || !r['output'].every((v) => typeof v === 'number' && Number.isFinite(v))) fail('"output" must be an array of finite numbers.')
  if (r['class'] !== undefined && !(typeof r['class'] === 'number' && Number.isInteger(r['class']) && r['class'] >= 0)) fail('"class" must be a non-negative integer.')
  if (r['salted'] !== undefined && typeof r['salted'] !== 'boolean') fail('"salted" must be true or false.')
  const p = r['proof'] as Record<string, unknown> | null | undefined
  const point = (v: unknown, size: number) => Array.isArray(v) && v.length === size && v.every((c) => typeof c === 'string' && DECIMAL.test(c))
  const g2 = (v: unknown) => Array.isArray(v) && v.length === 3 && v.every((c) => point(c, 2))
  if (typeof p !== 'object' || p === null || !point(p['pi_a'], 3) || !g2(p['pi_b']) || !point(p['pi_c'], 3)) {
    fail('"proof" is not a snarkjs Groth16 proof (pi_a and pi_c: 3 decimal strings; pi_b: 3 pairs).')
  }
  if ((p!['protocol'] !== undefined && p!['protocol'] !== 'groth16') || (p!['curve'] !== undefined && p!['curve'] !== 'bn128')) {
    fail(`"proof" is a ${String(p!['protocol'])} proof on ${String(p!['curve'])}, not Groth16 on bn128.`)
  }
  return value as ProofRecord
}
