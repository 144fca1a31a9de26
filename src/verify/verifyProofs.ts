import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { ArtifactError, VerifyError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { verifySetupTranscript } from '../setup/verifySetupTranscript.js'
import type { VerifierBackend } from '../snark/createGroth16Verifier.js'
import { createGroth16Verifier } from '../snark/createGroth16Verifier.js'
import { readInputs, type InputRecord } from '../io/readInputs.js'
import { parseFixedPointModel, type FixedPointModel } from '../quantize/fixedPointModel.js'
import { checkProofRecord } from './checkProofRecord.js'
import { checkRecordInput } from './checkRecordInput.js'
import { readProofs } from './readProofs.js'

export type ProofCheck = {
  id: string
  /** The Groth16 proof verifies against the verification key, and the record's claims are what it proves. */
  valid: boolean
  /** Why the record was rejected (empty when valid). */
  problems: string[]
}

export type VerifyProofsParameters = {
  buildDir: string
  proofsPath: string
  /** Committed-weights builds: accept only proofs made with the weight set of this commitment (decimal). */
  weightsCommitment?: string
  /** Which Groth16 verifier checks the proofs (default `auto`: native when the addon is built, else snarkjs). */
  verifierBackend?: VerifierBackend
  /**
   * An inputs file (JSONL, with each salted input's `"salt"`): every record whose id is in it must
   * prove that input (input SHA-256 and input hash re-derived, see `checkRecordInput`); a record
   * whose id is not in it is invalid.
   */
  inputsPath?: string
  logger?: Logger
  onProgress?: (done: number, total: number) => void
}

/**
 * Verifies every proof of a proofs file off-chain with the model's
 * verification key (checked against the manifest first), and checks that each
 * record's claims (outputQ, output floats, class, the key it names) are the
 * ones the proof proves (see {@link checkProofRecord}).
 *
 * @returns One check per record; a well-formed proof that fails, or a record
 *   whose claims differ from its proof, is `valid: false` with the reasons.
 * @throws {VerifyError} (exit 2) for a malformed proofs file, naming the
 *   line, for a file with no records (nothing verified is not a pass), and
 *   when the verifier itself fails on a record; {@link ArtifactError} for a
 *   missing or changed verification key.
 */
export async function verifyProofs({ buildDir, proofsPath, weightsCommitment, inputsPath, verifierBackend = 'auto', logger = silentLogger, onProgress }: VerifyProofsParameters): Promise<ProofCheck[]> {
  const manifest = await readManifest(buildDir)
  const inputs = inputsPath === undefined ? undefined : await readInputChecks(buildDir, manifest, inputsPath)
  await verifySetupTranscript({ buildDir, manifest, logger })
  await verifyArtifacts(buildDir, manifest, ['verificationKey'])
  const vkeyPath = buildPaths(buildDir).verificationKey
  let verificationKey: unknown
  try {
    verificationKey = JSON.parse(await readFile(vkeyPath, 'utf8'))
  } catch (cause) {
    throw new ArtifactError(`${vkeyPath} is not valid JSON.`, { details: `Rerun \`glassbox setup ${buildDir}\`.`, cause })
  }
  const vkeySha256 = manifest.artifacts['verificationKey']
  const records = await readProofs(proofsPath)
  const checks: ProofCheck[] = []
  const verifier = createGroth16Verifier({ verificationKey, backend: verifierBackend, logger })
  try {
    for (const record of records) {
      const problems = checkProofRecord(record, { manifest, ...(vkeySha256 ? { vkeySha256 } : {}), ...(weightsCommitment ? { weightsCommitment } : {}) })
      if (inputs && record.publicSignals.length === manifest.publicSignals.length) {
        const input = inputs.byId.get(record.id)
        if (!input) problems.push(`no input with id "${record.id}" in ${inputsPath}`)
        else problems.push(...(await checkRecordInput(record, input, { manifest, model: inputs.model })))
      }
      if (record.publicSignals.length !== manifest.publicSignals.length) {
        // A proof of another circuit: nothing to ask the verifier (it would index past the key).
        checks.push({ id: record.id, valid: false, problems })
        logger.warn(`${record.id}: ${problems.join('; ')}`)
        onProgress?.(checks.length, records.length)
        continue
      }
      let proofOk: boolean
      try {
        proofOk = await verifier.verify(record.proof, record.publicSignals)
      } catch (cause) {
        // The record's shape was checked, so this is not "the proof is false": say so instead of hiding it.
        throw new VerifyError(`${proofsPath}:${record.lineNumber} (id "${record.id}"): the Groth16 verifier failed on this record.`, {
          details: `${cause instanceof Error ? cause.message : String(cause)}. The proof's points are likely not on the curve; re-prove the input.`,
          cause,
        })
      }
      if (!proofOk) problems.unshift('the Groth16 proof does not verify for these public signals')
      checks.push({ id: record.id, valid: problems.length === 0, problems })
      if (problems.length) logger.warn(`${record.id}: ${problems.join('; ')}`)
      onProgress?.(checks.length, records.length)
    }
  } finally {
    await verifier.close()
  }
  return checks
}

async function readInputChecks(buildDir: string, manifest: Awaited<ReturnType<typeof readManifest>>, inputsPath: string): Promise<{ model: FixedPointModel; byId: Map<string, InputRecord> }> {
  await verifyArtifacts(buildDir, manifest, ['model'])
  const modelPath = buildPaths(buildDir).model
  const model = parseFixedPointModel(JSON.parse(await readFile(modelPath, 'utf8')), modelPath)
  const records = await readInputs(inputsPath, { expectedLength: manifest.input.shape.reduce((a, b) => a * b, 1) })
  return { model, byId: new Map(records.map((r) => [r.id, r])) }
}
