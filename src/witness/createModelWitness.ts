import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { ArtifactError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import type { CircuitShape, ModelWitnessInput } from './computeModelWitness.js'
import { circuitShapeOf, computeModelWitness } from './computeModelWitness.js'
import type { WitnessPlan } from './witnessPlan.js'
import { WitnessLayoutMismatch, buildWitnessPlan, writeWtns } from './witnessPlan.js'
import { readWitnessPlan, writeWitnessPlan } from './witnessPlanFile.js'

export type ModelWitness = {
  /** The `.wtns` bytes of one input, byte for byte what circom's witness calculator writes. */
  calculate(input: ModelWitnessInput): Promise<Uint8Array>
}

/**
 * glassbox's own witness generator for a build folder: the circuit's
 * templates mirrored in TypeScript (see computeModelWitness), put in wire
 * order by the folder's plan (`witness.plan`, written by compile).
 *
 * A plan is only ever saved after it proved itself: a folder without a
 * current one (an older build, or a glassbox whose mirrors changed) builds it
 * from its `circuit.sym` (checked against the manifest) at the first input,
 * computes that input's witness with circom's wasm as well, and keeps the plan
 * (saving it for the next process, when the folder is writable) only if the
 * two are byte for byte the same.
 *
 * @throws {ArtifactError} (from `calculate`) when the plan must be built and circuit.sym is missing or not the manifest's.
 * @throws {WitnessLayoutMismatch} (from `calculate`) when the mirror and the circuit disagree (a glassbox bug: callers fall back to wasm).
 */
export async function createModelWitness(
  artifacts: { buildDir: string; manifest: Manifest; model: FixedPointModel },
  { wasmWitness }: { /** circom's witness of the same input, to check a plan built here against. */ wasmWitness: (input: ModelWitnessInput) => Promise<Uint8Array> },
): Promise<ModelWitness> {
  const paths = buildPaths(artifacts.buildDir)
  const symSha256 = artifacts.manifest.artifacts['sym']
  const shape: CircuitShape = circuitShapeOf(artifacts.manifest, artifacts.model)
  let plan: WitnessPlan | undefined = symSha256 ? await readWitnessPlan(paths.witnessPlan, symSha256) : undefined
  return {
    async calculate(input) {
      const values = computeModelWitness(artifacts.model, shape, input, plan ? { capacity: plan.positions, recording: false } : {})
      if (plan && plan.positions === values.size) return writeWtns(values, plan)
      const candidate = await planFromSym(paths.sym, symSha256, artifacts.manifest.circuit.wires, values)
      const wtns = writeWtns(values, candidate)
      const reference = await wasmWitness(input)
      if (!Buffer.from(wtns.buffer, wtns.byteOffset, wtns.byteLength).equals(Buffer.from(reference.buffer, reference.byteOffset, reference.byteLength))) {
        throw new WitnessLayoutMismatch(`glassbox's witness of this input differs from circom's (${describeDifference(wtns, reference)})`)
      }
      plan = candidate
      await writeWitnessPlan(paths.witnessPlan, plan, symSha256!).catch(() => undefined)
      return wtns
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
