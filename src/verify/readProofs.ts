import { VerifyError } from '../errors.js'
import { readJsonl } from '../io/readJsonl.js'
import type { ProofRecord } from '../prove/proofRecord.js'

/**
 * Reads a proofs file (JSONL of {@link ProofRecord}), checking each line's
 * shape so that a malformed line is reported with its line number instead of
 * surfacing as a failed proof.
 */
export async function readProofs(path: string): Promise<(ProofRecord & { lineNumber: number })[]> {
  const records: (ProofRecord & { lineNumber: number })[] = []
  for await (const { lineNumber, value } of readJsonl(path)) {
    const where = `${path}:${lineNumber}`
    const r = value as Partial<ProofRecord>
    if (typeof r !== 'object' || r === null || typeof r.id !== 'string') throw new VerifyError(`${where}: not a proof record (no "id").`)
    if (!Array.isArray(r.publicSignals) || !r.publicSignals.every((s) => typeof s === 'string' && /^\d+$/.test(s))) {
      throw new VerifyError(`${where}: "publicSignals" must be an array of decimal strings.`)
    }
    const p = r.proof
    if (typeof p !== 'object' || p === null || !Array.isArray(p.pi_a) || !Array.isArray(p.pi_b) || !Array.isArray(p.pi_c)) {
      throw new VerifyError(`${where}: "proof" is not a snarkjs Groth16 proof (pi_a, pi_b, pi_c).`)
    }
    if (!Array.isArray(r.outputQ)) throw new VerifyError(`${where}: missing "outputQ".`)
    records.push({ ...(r as ProofRecord), lineNumber })
  }
  return records
}
