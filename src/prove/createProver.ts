import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { encodePublicSignals } from '../artifacts/encodePublicSignals.js'
import type { Groth16Verifier } from '../snark/createGroth16Verifier.js'
import { createGroth16Verifier } from '../snark/createGroth16Verifier.js'
import type { Groth16ProofJson as Groth16Proof } from '../snark/groth16Proof.js'
import { fromField } from '../field/fieldElement.js'
import { hashInput } from '../field/hashInput.js'
import { ArtifactError, ProveError } from '../errors.js'
import type { Logger } from '../logger.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { dequantize } from '../quantize/quantizeInput.js'
import { circuitInput } from './circuitInput.js'
import { inputSha256 } from './inputSha256.js'
import type { ProofRecord } from './proofRecord.js'
import type { ProverBackend } from './proverBackend.js'
import type { ProvingArtifacts } from './provingArtifacts.js'
import type { WitnessCalculator, WitnessKind } from '../witness/createWitnessCalculator.js'
import { createWitnessCalculator } from '../witness/createWitnessCalculator.js'
import { weightSignals } from '../weights/weightSignals.js'

export type Prover = {
  /** Witness + Groth16 proof of one inference, checked against the integer evaluator. */
  proveOne(request: { id: string; input: readonly number[]; prover?: string; salt?: string | undefined }): Promise<ProofRecord>
  close(): Promise<void>
}

/**
 * Builds a prover that holds the witness calculator and the proving key for
 * its whole life: keys are parsed once, not once per proof.
 *
 * The witness is glassbox's own (`native`, the default) or circom's wasm. Concurrent `proveOne` calls overlap: the next input's
 * witness is computed while the current proof runs, and proofs themselves
 * run one at a time.
 */
export async function createProver(
  artifacts: ProvingArtifacts,
  backend: ProverBackend,
  {
    prover,
    witness = 'native',
    logger,
    checkInputHash = true,
  }: {
    prover: string
    witness?: WitnessKind
    logger?: Logger
    /** Check the input-hash signal too (pool workers leave it to the main thread, which checks every executor's proofs: see inputHashProblem.ts). */
    checkInputHash?: boolean
  },
): Promise<Prover> {
  const vkeySha256 = artifacts.manifest.artifacts['verificationKey']
  if (!vkeySha256) {
    throw new ArtifactError(`${artifacts.buildDir} has no verification key recorded in its manifest.`, { details: `Run \`glassbox setup ${artifacts.buildDir}\` first.` })
  }
  const witnessCalculator = await createWitnessCalculator(artifacts, { prefer: witness, ...(logger ? { logger } : {}) })
  await loadKey(backend, artifacts)
  // A committed-weights circuit takes the weight set as private input: the same for every inference.
  const weights = artifacts.manifest.weights.visibility === 'committed' ? weightSignals(artifacts.model) : undefined
  let proving: Promise<unknown> = Promise.resolve()
  let witnessChecked = false
  // Kept for the prover's life: closing a snarkjs verifier releases the curve the snarkjs backend is proving with.
  let verifier: Groth16Verifier | undefined
  const verifyOnce = async ({ proof, publicSignals }: { proof: Groth16Proof; publicSignals: string[] }): Promise<boolean> => {
    verifier ??= createGroth16Verifier({ verificationKey: JSON.parse(await readFile(buildPaths(artifacts.buildDir).verificationKey, 'utf8')) as unknown })
    return verifier.verify(proof, publicSignals)
  }
  // Resolves with the proof and how long it waited for the proof before it (not counted in `ms`).
  const proveInTurn = (wtns: Uint8Array) => {
    const queued = performance.now()
    const run = proving.then(async () => ({ waited: performance.now() - queued, ...(await backend.prove(wtns)) }))
    proving = run.catch(() => undefined)
    return run
  }
  return {
    async proveOne({ id, input, prover: boundTo = prover, salt: saltText }) {
      const started = performance.now()
      // A salt travels as a decimal string (worker messages, queue jobs); 0 is no salt.
      const salt = saltText === undefined ? undefined : BigInt(saltText)
      const { inputQ, signals } = circuitInput(artifacts.model, input, boundTo, { ...(weights ? { weights } : {}), salt, salted: artifacts.manifest.input.salted === true })
      const expected = evaluateFixed(artifacts.model, inputQ)
      let witness = await calculateWitness(witnessCalculator, signals, id)
      let witnessKind = witnessCalculator.kind
      let proved: Awaited<ReturnType<typeof proveInTurn>>
      try {
        proved = await proveInTurn(witness)
        // A backend that does not check its proofs gets glassbox's witness checked once per prover.
        if (witnessKind === 'native' && !backend.checksProofs && !witnessChecked) {
          if (!(await verifyOnce(proved))) throw new ProveError(`The proof of "${id}" from glassbox's witness does not verify.`)
        }
      } catch (error) {
        if (witnessKind !== 'native' || !(error instanceof ProveError)) throw error
        // A proof that fails from glassbox's witness is retried from circom's: if that one passes, the mirror is wrong.
        witness = await calculateWitness({ calculate: (input) => witnessCalculator.calculateWasm(input) }, signals, id)
        proved = await proveInTurn(witness)
        witnessCalculator.distrust(`the proof of "${id}" from glassbox's witness failed (${error.shortMessage}) where circom's wasm witness proved; this is a glassbox bug, please report it with the model`)
        witnessKind = 'wasm'
      }
      witnessChecked = true
      const { proof, publicSignals, waited } = proved
      await checkPublicSignals(artifacts, publicSignals, { outputQ: expected.outputQ, argmax: expected.argmax, inputQ, prover: signals.prover, id, checkInputHash, salt })
      const record: ProofRecord = {
        id,
        output: dequantize(expected.outputQ, artifacts.model.output.scale),
        outputQ: expected.outputQ.map(String),
        publicSignals,
        proof,
        backend: backend.name,
        witness: witnessKind,
        ms: Math.round(performance.now() - started - waited),
        vkeySha256,
        inputSha256: inputSha256(input, salt),
      }
      if (salt !== undefined && salt !== 0n) record.salted = true
      if (artifacts.manifest.output.argmax) record.class = expected.argmax
      if (weights) record.weightsCommitment = artifacts.weights.commitment
      return record
    },
    async close() {
      await witnessCalculator.close()
      await backend.close()
      await verifier?.close()
    },
  }
}

async function calculateWitness(calculator: Pick<WitnessCalculator, 'calculate'>, signals: object, id: string): Promise<Uint8Array> {
  try {
    return await calculator.calculate(signals as Record<string, unknown>)
  } catch (cause) {
    throw new ProveError(`Witness generation failed for "${id}".`, {
      details: `${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}. The circuit rejected this input; check it is within the calibrated range.`,
      cause,
    })
  }
}

/**
 * The circuit's public signals must be the statement the integer evaluator makes, bit for bit
 * (outputs packed into words as the layout says, see `encodePublicSignals`); a difference is a
 * glassbox bug and is never written as a valid proof.
 */
async function checkPublicSignals(
  artifacts: ProvingArtifacts,
  publicSignals: readonly string[],
  expected: { outputQ: bigint[]; argmax: number; inputQ: bigint[]; prover: string; id: string; checkInputHash: boolean; salt?: bigint | undefined },
): Promise<void> {
  const { manifest, model } = artifacts
  const want = encodePublicSignals(manifest.publicSignals, {
    outputQ: expected.outputQ,
    class: expected.argmax,
    inputQ: expected.inputQ,
    prover: BigInt(expected.prover),
    // The commitment of the weights that proved (the build's own or a weight set's, checked when loaded).
    weightsCommitment: BigInt(artifacts.weights.commitment),
    ...(expected.checkInputHash ? { inputHash: await hashInput(expected.inputQ, model.input.bits, { salt: expected.salt }) } : {}),
  })
  for (const { index, role, signal } of manifest.publicSignals) {
    if (role === 'inputHash' && !expected.checkInputHash) continue
    const actual = BigInt(publicSignals[index] ?? -1)
    const wanted = want[index]
    if (actual !== wanted) {
      throw new ProveError(`Circuit and integer evaluator disagree on ${signal} for "${expected.id}".`, {
        details: `Circuit: ${fromField(actual)}, evaluator: ${wanted === undefined ? 'nothing' : fromField(wanted)}. This is a glassbox bug; please report it with the model and input.`,
      })
    }
  }
}

/**
 * A backend that reads the key file itself (native: once per process, shared
 * by its workers) gets the path and the manifest's hash; otherwise the bytes
 * `loadProvingArtifacts` read and checked.
 */
async function loadKey(backend: ProverBackend, artifacts: ProvingArtifacts): Promise<void> {
  const sha256 = artifacts.manifest.artifacts['zkey']
  if (backend.loadKeyFile && sha256) return backend.loadKeyFile(artifacts.zkeyPath, sha256)
  if (artifacts.zkey.length === 0) {
    throw new ArtifactError(`The proving key ${artifacts.zkeyPath} was not loaded${sha256 ? '' : ' (the manifest records none)'}.`, {
      details: sha256 ? 'Load the artifacts with `withKey: true` for this backend.' : `Run \`glassbox setup ${artifacts.buildDir}\` first.`,
    })
  }
  return backend.loadKey(artifacts.zkey)
}
