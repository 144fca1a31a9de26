import { decodePublicSignals } from '../artifacts/decodePublicSignals.js'
import type { Manifest } from '../artifacts/manifest.js'
import { hashInput } from '../field/hashInput.js'
import { GlassboxError } from '../errors.js'
import type { InputRecord } from '../io/readInputs.js'
import type { ProofRecord } from '../prove/proofRecord.js'
import { inputSha256 } from '../prove/inputSha256.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'

/**
 * Checks that a proof is about a given input: its `inputSha256` is the input's (with its salt),
 * and its input-hash signal is the Poseidon hash of the quantized input, salted with the input
 * line's `"salt"` when it has one (a salted record, `salted: true`, needs it). This is how a
 * user who holds the input and salt re-derives a salted statement. The salt appears in no message.
 *
 * @returns What is wrong, one sentence each; empty when the proof is about this input.
 */
export async function checkRecordInput(record: ProofRecord, input: InputRecord, { manifest, model }: { manifest: Manifest; model: FixedPointModel }): Promise<string[]> {
  const problems: string[] = []
  if (record.salted && input.salt === undefined) problems.push('the proof\'s input hash is salted, but the input line has no "salt"')
  if (record.inputSha256 !== undefined && record.inputSha256 !== inputSha256(input.input, input.salt)) {
    problems.push(`inputSha256 is not the SHA-256 of this input${input.salt ? ' and salt' : ''} (line ${input.lineNumber} of the inputs)`)
  }
  let proven: bigint | undefined
  try {
    proven = decodePublicSignals(manifest.publicSignals, record.publicSignals).inputHash
  } catch (error) {
    return [...problems, error instanceof GlassboxError ? error.shortMessage : String(error)]
  }
  if (proven === undefined) return problems
  let values: bigint[]
  try {
    values = quantizeInput(model, input.input)
  } catch (error) {
    return [...problems, `the input on line ${input.lineNumber} does not fit the model: ${error instanceof GlassboxError ? error.shortMessage : String(error)}`]
  }
  if ((await hashInput(values, model.input.bits, { salt: input.salt })) !== proven) {
    problems.push(`the proven input hash is not Poseidon of this input${input.salt ? ' with its salt' : ''} (line ${input.lineNumber} of the inputs)`)
  }
  return problems
}
