import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { ArtifactError, InputError, RangeOverflowError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import type { CircuitShape, ModelWitnessInput } from './computeModelWitness.js'
import { circuitShapeOf, computeModelWitness } from './computeModelWitness.js'
import type { WitnessPlan } from './witnessPlan.js'
import { WitnessLayoutMismatch, buildWitnessPlan, writeWtns } from './witnessPlan.js'
import { readWitnessPlan, writeWitnessPlan } from './witnessPlanFile.js'

export type ModelWitness = {
  /** The `.wtns` bytes of one input, byte for byte what circom's witness calculator writes. */
  calculate(input: ModelWitnessInput): Promise<Uint8Array>
  /**
   * Computes the input's witness both ways and requires the same bytes; on a
   * difference the folder's plan becomes a refusal (every later process uses
   * wasm) and this throws.
   * @throws {WitnessLayoutMismatch} when they differ.
   */
  checkAgainstWasm(input: ModelWitnessInput): Promise<void>
}

/**
 * glassbox's own witness generator for a build folder: the circuit's
 * templates mirrored in TypeScript (see computeModelWitness), put in wire
 * order by the folder's plan (`witness.plan`, written by compile).
 *
 * A plan is only ever saved after it proved itself: a folder without a
 * current one (an older build, or another glassbox version) lays it out from
 * its `circuit.sym` (checked against the manifest) at the first input,
 * computes that input's witness with circom's wasm as well, and keeps the plan
 * (saving it for the next process, when the folder is writable) only if the
 * two are byte for byte the same; if they differ, it saves a refusal instead.
 *
 * @throws {ArtifactError} (from `calculate`) when the plan must be laid out and circuit.sym is missing or not the manifest's.
 * @throws {WitnessLayoutMismatch} (from `calculate`) when the mirror and the circuit disagree, now or when the plan was laid out (a glassbox bug: callers fall back to wasm).
 */
export async function createModelWitness(
  artifacts: { buildDir: string; manifest: Manifest; model: FixedPointModel },
  { wasmWitness }: { /** circom's witness of the same input, to check a plan laid out here against. */ wasmWitness: (input: ModelWitnessInput) => Promise<Uint8Array> },
): Promise<ModelWitness> {
  const paths = buildPaths(artifacts.buildDir)
  const symSha256 = artifacts.manifest.artifacts['sym']
  const shape: CircuitShape = circuitShapeOf(artifacts.manifest, artifacts.model)
  const saved = symSha256 ? await readWitnessPlan(paths.witnessPlan, symSha256) : undefined
  let plan: WitnessPlan | undefined = saved && 'plan' in saved ? saved.plan : undefined
  let refused: string | undefined = saved && 'refused' in saved ? saved.refused : undefined

  const refuse = async (reason: string): Promise<never> => {
    refused = reason
    plan = undefined
    if (symSha256) await writeWitnessPlan(paths.witnessPlan, { refused: reason }, symSha256).catch(() => undefined)
    throw new WitnessLayoutMismatch(reason)
  }
  const compare = async (wtns: Uint8Array, input: ModelWitnessInput): Promise<void> => {
    const reference = await wasmWitness(input)
    if (!Buffer.from(wtns.buffer, wtns.byteOffset, wtns.byteLength).equals(Buffer.from(reference.buffer, reference.byteOffset, reference.byteLength))) {
      await refuse(`glassbox's witness differs from circom's (${describeDifference(wtns, reference)})`)
    }
  }
  // `checked`: this input's witness was just compared with wasm (it laid the plan out).
  const calculate = async (input: ModelWitnessInput): Promise<{ wtns: Uint8Array; checked: boolean }> => {
    try {
      return await calculateOrThrow(input)
    } catch (error) {
      // The input's fault (out of range, malformed) is the caller's; anything else is the mirrors'.
      if (error instanceof RangeOverflowError || error instanceof InputError || error instanceof ArtifactError || error instanceof WitnessLayoutMismatch) throw error
      return refuse(`glassbox's witness failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const calculateOrThrow = async (input: ModelWitnessInput): Promise<{ wtns: Uint8Array; checked: boolean }> => {
    if (refused) throw new WitnessLayoutMismatch(`an earlier check found glassbox's witness differs from circom's for this circuit (${refused})`)
    if (plan) {
      const values = computeModelWitness(artifacts.model, shape, input, { capacity: plan.positions, recording: false })
      if (values.size === plan.positions) return { wtns: writeWtns(values, plan), checked: false }
      // The mirrors declare another number of signals than the saved layout: lay it out again.
    }
    const values = computeModelWitness(artifacts.model, shape, input)
    const candidate = await planFromSym(paths.sym, symSha256, artifacts.manifest.circuit.wires, values).catch((error: unknown) =>
      error instanceof WitnessLayoutMismatch ? refuse(error.message) : Promise.reject(error),
    )
    const wtns = writeWtns(values, candidate)
    await compare(wtns, input)
    plan = candidate
    await writeWitnessPlan(paths.witnessPlan, { plan }, symSha256!).catch(() => undefined)
    return { wtns, checked: true }
  }
  return {
    calculate: async (input) => (await calculate(input)).wtns,
    async checkAgainstWasm(input) {
      const { wtns, checked } = await calculate(input)
      if (!checked) await compare(wtns, input)
    },
  }
}

async function planFromSym(symPath: string, symSha256: string | undefined, wires: number, values: Parameters<typeof buildWitnessPlan>[0]): Promise<WitnessPlan> {
  const actual = await sha256File(symPath).catch(() => undefined)
  if (!symSha256 || actual !== symSha256) {
    throw new ArtifactError(`${symPath} ${actual ? 'does not match the manifest' : 'is missing'}: glassbox's witness needs it to lay out the circuit's wires.`, {
      details: 'Recompile the model, or prove with --witness wasm.',
    })
  }
  return buildWitnessPlan(values, await readFile(symPath, 'utf8'), wires)
}

function describeDifference(ours: Uint8Array, theirs: Uint8Array): string {
  if (ours.length !== theirs.length) return `${ours.length} bytes against ${theirs.length}`
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) return `first at wire ${Math.max(0, Math.floor((i - 76) / 32))}`
  return 'no difference'
}
