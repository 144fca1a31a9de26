import { readFile } from 'node:fs/promises'
import * as snarkjs from 'snarkjs'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { fromField } from '../compile/poseidonChain.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { ProofRecord } from '../prove/proofRecord.js'
import { verifySetupTranscript } from '../setup/verifySetupTranscript.js'
import { releaseSnarkjs } from '../snark/snarkjsLogger.js'
import { readProofs } from './readProofs.js'

export type ProofCheck = {
  id: string
  /** The Groth16 proof verifies against the verification key. */
  valid: boolean
  /** Why the record was rejected (empty when valid). */
  problems: string[]
}

export type VerifyProofsParameters = {
  buildDir: string
  proofsPath: string
  /** Committed-weights builds: accept only proofs made with the weight set of this commitment (decimal). */
  weightsCommitment?: string
  logger?: Logger
  onProgress?: (done: number, total: number) => void
}

/**
 * Verifies every proof of a proofs file off-chain with the model's
 * verification key (checked against the manifest first), and checks that the
 * record's claimed outputs are the ones the proof proves.
 *
 * @returns One check per record; a well-formed proof that fails is `valid: false`, never an exception.
 * @throws {VerifyError} for a malformed proofs file, {@link ArtifactError} for a changed key.
 */
export async function verifyProofs({ buildDir, proofsPath, weightsCommitment, logger = silentLogger, onProgress }: VerifyProofsParameters): Promise<ProofCheck[]> {
  const manifest = await readManifest(buildDir)
  await verifySetupTranscript({ buildDir, manifest, logger })
  await verifyArtifacts(buildDir, manifest, ['verificationKey'])
  const verificationKey = JSON.parse(await readFile(buildPaths(buildDir).verificationKey, 'utf8')) as unknown
  const records = await readProofs(proofsPath)
  const checks: ProofCheck[] = []
  try {
    for (const record of records) {
      const problems = recordProblems(manifest, record, weightsCommitment ? { weightsCommitment } : {})
      const proofOk = await snarkjs.groth16.verify(verificationKey, record.publicSignals, record.proof).catch(() => false)
      if (!proofOk) problems.unshift('the Groth16 proof does not verify for these public signals')
      checks.push({ id: record.id, valid: problems.length === 0, problems })
      if (problems.length) logger.warn(`${record.id}: ${problems.join('; ')}`)
      onProgress?.(checks.length, records.length)
    }
  } finally {
    await releaseSnarkjs()
  }
  return checks
}

/** Consistency of the record with what its public signals say. Pure. */
export function recordProblems(manifest: Manifest, record: ProofRecord, { weightsCommitment }: { weightsCommitment?: string } = {}): string[] {
  const problems: string[] = []
  if (record.publicSignals.length !== manifest.publicSignals.length) {
    problems.push(`expected ${manifest.publicSignals.length} public signals, found ${record.publicSignals.length}`)
    return problems
  }
  for (const { index, role, position } of manifest.publicSignals) {
    const value = fromField(BigInt(record.publicSignals[index]!))
    if (role === 'output' && record.outputQ[position] !== value.toString()) {
      problems.push(`outputQ[${position}] = ${record.outputQ[position]} but the proof says ${value}`)
    }
    if (role === 'class' && record.class !== undefined && BigInt(record.class) !== value) {
      problems.push(`class = ${record.class} but the proof says ${value}`)
    }
    if (role === 'weightsCommitment') {
      const proven = BigInt(record.publicSignals[index]!).toString()
      if (record.weightsCommitment !== undefined && record.weightsCommitment !== proven) problems.push(`weightsCommitment = ${record.weightsCommitment} but the proof says ${proven}`)
      if (weightsCommitment !== undefined && weightsCommitment !== proven) problems.push(`proven with the weight set committed to ${proven}, not the expected ${weightsCommitment}`)
    }
  }
  return problems
}
