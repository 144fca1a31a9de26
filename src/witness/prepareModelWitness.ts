import { readFile, rm } from 'node:fs/promises'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { RangeOverflowError } from '../errors.js'
import { toField } from '../field/fieldElement.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import { weightSignals } from '../weights/weightSignals.js'
import type { ModelWitnessInput } from './computeModelWitness.js'
import { createModelWitness } from './createModelWitness.js'

export type PrepareModelWitnessParameters = {
  buildDir: string
  manifest: Manifest
  model: FixedPointModel
  /** Float inputs to try, in order, until one is in range (the calibration set). */
  samples: readonly (readonly number[])[]
  logger?: Logger
}

/** `native`: the plan is written and checked on `checked` inputs; `wasm`: glassbox's witness cannot serve this circuit, and why. */
export type PrepareModelWitnessReturnType = { kind: 'native'; checked: number } | { kind: 'wasm'; reason: string }

/** Calibration inputs whose witness is compared with circom's byte for byte before the plan is trusted. */
const CHECKED_SAMPLES = 3

/**
 * Makes a freshly compiled build folder ready for glassbox's own witness:
 * lays out `witness.plan` from circuit.sym on the first sample the circuit
 * accepts, and checks the witnesses of the first three such samples byte for
 * byte against circom's wasm (see createModelWitness). Never fails the
 * compile: a circuit the mirrors do not match (a glassbox bug) is reported,
 * the plan records the refusal, and proving then uses the wasm witness.
 */
export async function prepareModelWitness({ buildDir, manifest, model, samples, logger = silentLogger }: PrepareModelWitnessParameters): Promise<PrepareModelWitnessReturnType> {
  const paths = buildPaths(buildDir)
  await rm(paths.witnessPlan, { force: true })
  const wasm = WitnessCalculatorBuilder(new Uint8Array(await readFile(paths.wasm)))
  const witness = await createModelWitness({ buildDir, manifest, model }, { wasmWitness: async (input) => (await wasm).calculateWTNSBin(input as Record<string, unknown>, true) })
  const weights = manifest.weights.visibility === 'committed' ? weightSignals(model) : undefined
  let checked = 0
  for (const sample of samples) {
    if (checked === CHECKED_SAMPLES) break
    const input: ModelWitnessInput = {
      in: quantizeInput(model, sample).map((q) => toField(q).toString()),
      prover: '0',
      ...(manifest.input.salted ? { salt: String(checked) } : {}),
      ...(weights ? { weights } : {}),
    }
    try {
      await witness.checkAgainstWasm(input)
      checked++
    } catch (error) {
      if (error instanceof RangeOverflowError) continue
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error)
      logger.warn(`glassbox's witness does not match this circuit, so proving will use circom's wasm witness: ${reason}. This is a glassbox bug; please report it with the model.`)
      return { kind: 'wasm', reason }
    }
  }
  // With no sample in range, the plan is laid out (and checked) at the first input proven.
  return { kind: 'native', checked }
}
