import { WitnessCalculatorBuilder } from 'circom_runtime'
import type { WitnessCalculator } from 'circom_runtime'
import { fromField, hashInput } from '../compile/poseidonChain.js'
import { ProveError } from '../errors.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { dequantize } from '../quantize/quantizeInput.js'
import { circuitInput } from './circuitInput.js'
import type { ProofRecord } from './proofRecord.js'
import type { ProverBackend } from './proverBackend.js'
import type { ProvingArtifacts } from './provingArtifacts.js'

export type Prover = {
  /** Witness + Groth16 proof of one inference, checked against the integer evaluator. */
  proveOne(request: { id: string; input: readonly number[] }): Promise<ProofRecord>
  close(): Promise<void>
}

/**
 * Builds a prover that holds the witness calculator and the proving key for
 * its whole life: keys are parsed once, not once per proof.
 */
export async function createProver(artifacts: ProvingArtifacts, backend: ProverBackend, { prover }: { prover: string }): Promise<Prover> {
  const witnessCalculator = await WitnessCalculatorBuilder(artifacts.wasm)
  await backend.loadKey(artifacts.zkey)
  return {
    async proveOne({ id, input }) {
      const started = performance.now()
      const { inputQ, signals } = circuitInput(artifacts.model, input, prover)
      const expected = evaluateFixed(artifacts.model, inputQ)
      const witness = await calculateWitness(witnessCalculator, signals, id)
      const { proof, publicSignals } = await backend.prove(witness)
      await checkPublicSignals(artifacts, publicSignals, { outputQ: expected.outputQ, argmax: expected.argmax, inputQ, prover: signals.prover, id })
      const record: ProofRecord = {
        id,
        output: dequantize(expected.outputQ, artifacts.model.output.scale),
        outputQ: expected.outputQ.map(String),
        publicSignals,
        proof,
        backend: backend.name,
        ms: Math.round(performance.now() - started),
      }
      if (artifacts.manifest.output.argmax) record.class = expected.argmax
      return record
    },
    close: () => backend.close(),
  }
}

async function calculateWitness(calculator: WitnessCalculator, signals: object, id: string): Promise<Uint8Array> {
  try {
    return await calculator.calculateWTNSBin(signals as Record<string, unknown>, true)
  } catch (cause) {
    throw new ProveError(`Witness generation failed for "${id}".`, {
      details: `${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}. The circuit rejected this input; check it is within the calibrated range.`,
      cause,
    })
  }
}

/**
 * The circuit's public outputs must equal the integer evaluator's, bit for
 * bit; a difference is a glassbox bug and is never written as a valid proof.
 */
async function checkPublicSignals(
  artifacts: ProvingArtifacts,
  publicSignals: readonly string[],
  expected: { outputQ: bigint[]; argmax: number; inputQ: bigint[]; prover: string; id: string },
): Promise<void> {
  for (const { index, role, position, signal } of artifacts.manifest.publicSignals) {
    const actual = BigInt(publicSignals[index] ?? -1)
    let want: bigint
    switch (role) {
      case 'output':
        want = expected.outputQ[position]!
        break
      case 'class':
        want = BigInt(expected.argmax)
        break
      case 'inputHash':
        want = await hashInput(expected.inputQ, artifacts.model.input.bits)
        break
      case 'input':
        want = expected.inputQ[position]!
        break
      case 'prover':
        want = BigInt(expected.prover)
        break
      default:
        role satisfies never
        continue
    }
    if (fromField(actual) !== want && actual !== want) {
      throw new ProveError(`Circuit and integer evaluator disagree on ${signal} for "${expected.id}".`, {
        details: `Circuit: ${fromField(actual)}, evaluator: ${want}. This is a glassbox bug; please report it with the model and input.`,
      })
    }
  }
}
