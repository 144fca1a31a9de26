import { hashInput } from '../field/hashInput.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import type { ProofRecord } from './proofRecord.js'
import type { ProvingArtifacts } from './provingArtifacts.js'

/**
 * The proven input hash must be Poseidon of this input. Checked on the main
 * thread for every executor's proofs, the pool's and remote queue workers'
 * alike (a worker must not be able to pass off a proof of another input); the
 * pool's workers check every other signal themselves.
 *
 * @returns Why the record must not be written, or undefined when it is right.
 */
export async function inputHashProblem(
  artifacts: Pick<ProvingArtifacts, 'manifest' | 'model'>,
  input: readonly number[],
  record: ProofRecord,
  { salt }: { salt?: bigint } = {},
): Promise<string | undefined> {
  const slot = artifacts.manifest.publicSignals.find((s) => s.role === 'inputHash')
  if (!slot) return undefined
  const expected = await hashInput(quantizeInput(artifacts.model, input), artifacts.model.input.bits, { salt })
  if (BigInt(record.publicSignals[slot.index] ?? -1) === expected) return undefined
  return `the proof's input hash is not Poseidon of this input${salt ? ' and its salt' : ''} (a glassbox bug; the proof was not written)`
}
