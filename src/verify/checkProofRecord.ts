import type { Manifest } from '../artifacts/manifest.js'
import { decodePublicSignals, type PublicStatement } from '../artifacts/decodePublicSignals.js'
import { VerifyError } from '../errors.js'
import type { ProofRecord } from '../prove/proofRecord.js'

export type CheckProofRecordContext = {
  manifest: Manifest
  /** SHA-256 (hex) of the build's verification key (manifest.artifacts.verificationKey); records that name another key are refused. */
  vkeySha256?: string
  /** Committed-weights builds: accept only proofs made with the weight set of this commitment (decimal). */
  weightsCommitment?: string
}

/**
 * Everything a proof record claims beyond the Groth16 proof itself, checked
 * against what its public signals prove and against the build: the number
 * of public signals, each `outputQ[k]` against its output signal, each
 * `output[k]` float against `outputQ[k] / 2^scale`, the `class` (required,
 * and equal to the class signal, when the circuit proves an argmax; absent
 * otherwise), the weight-set commitment of a committed-weights build (the
 * record's, and the expected one when given) and, when the record names it,
 * the verification key it was made with. Off-chain and on-chain verification both apply it, so a record
 * whose claims differ from its proof is never reported valid.
 *
 * Pure. The record's shape is assumed checked (see parseProofRecord).
 *
 * @returns What is wrong, one sentence each; empty when the record is consistent.
 */
export function checkProofRecord(record: ProofRecord, { manifest, vkeySha256, weightsCommitment }: CheckProofRecordContext): string[] {
  const problems: string[] = []
  // The batch prover records the key it proved with; read it defensively (older records lack it).
  const recordedKey = (record as { vkeySha256?: unknown }).vkeySha256
  if (recordedKey !== undefined && vkeySha256 !== undefined && recordedKey !== vkeySha256) {
    problems.push(`made with another verification key (${String(recordedKey).slice(0, 12)}…, this build's is ${vkeySha256.slice(0, 12)}…): re-prove it with this build's keys`)
  }
  if (record.publicSignals.length !== manifest.publicSignals.length) {
    problems.push(`expected ${manifest.publicSignals.length} public signals, found ${record.publicSignals.length}`)
    return problems
  }
  let statement: PublicStatement
  try {
    statement = decodePublicSignals(manifest.publicSignals, record.publicSignals)
  } catch (error) {
    problems.push(error instanceof VerifyError ? error.shortMessage : String(error))
    return problems
  }
  const outputs = outputCount(manifest)
  if (record.outputQ.length !== outputs) problems.push(`outputQ has ${record.outputQ.length} values, the model has ${outputs} outputs`)
  if (record.output.length !== outputs) problems.push(`output has ${record.output.length} values, the model has ${outputs} outputs`)
  // A layout that leaves an output unproven (a damaged or hostile manifest) must not pass for one that proves it.
  for (let position = 0; position < outputs; position++) {
    if (statement.outputQ[position] === undefined) problems.push(`the public signals prove no value for output ${position}: the manifest's signal layout is damaged`)
  }
  if (statement.outputQ.length > outputs) problems.push(`the public signals prove ${statement.outputQ.length} outputs, the model has ${outputs}`)
  if (statement.class !== undefined && (!Number.isInteger(statement.class) || statement.class >= outputs)) problems.push(`the proven class ${statement.class} is not one of the model's ${outputs} outputs`)
  const factor = 2 ** -manifest.output.scale
  statement.outputQ.forEach((value, position) => {
    const claimed = record.outputQ[position]
    if (claimed !== undefined && claimed !== value.toString()) problems.push(`outputQ[${position}] = ${claimed} but the proof says ${value}`)
    const float = record.output[position]
    if (float !== undefined && claimed !== undefined && float !== Number(BigInt(claimed)) * factor) {
      problems.push(`output[${position}] = ${float} but outputQ[${position}] / 2^${manifest.output.scale} = ${Number(BigInt(claimed)) * factor}`)
    }
  })
  if (statement.weightsCommitment !== undefined) {
    const proven = statement.weightsCommitment.toString()
    if (record.weightsCommitment !== undefined && record.weightsCommitment !== proven) problems.push(`weightsCommitment = ${record.weightsCommitment} but the proof says ${proven}`)
    if (weightsCommitment !== undefined && weightsCommitment !== proven) problems.push(`proven with the weight set committed to ${proven}, not the expected ${weightsCommitment}`)
  }
  if (statement.class !== undefined) {
    if (record.class === undefined) problems.push(`no "class", but the circuit proves one (${statement.class})`)
    else if (record.class !== statement.class) problems.push(`class = ${record.class} but the proof says ${statement.class}`)
  } else if (record.class !== undefined) problems.push(`class = ${record.class}, but this circuit proves no class (compiled with --no-argmax)`)
  return problems
}

/** The number of output values a build proves: the product of its output shape. */
function outputCount(manifest: Manifest): number {
  return manifest.output.shape.reduce((a, b) => a * b, 1)
}
