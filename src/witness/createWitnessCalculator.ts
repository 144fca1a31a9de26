import { WitnessCalculatorBuilder } from 'circom_runtime'
import type { WitnessCalculator as WasmWitnessCalculator } from 'circom_runtime'
import type { Manifest } from '../artifacts/manifest.js'
import { ArtifactError, GlassboxError, RangeOverflowError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import type { ModelWitnessInput } from './computeModelWitness.js'
import type { ModelWitness } from './createModelWitness.js'
import { createModelWitness } from './createModelWitness.js'
import { WitnessLayoutMismatch } from './witnessPlan.js'

/** `native`: glassbox's own witness generator (src/witness/, no system packages); `wasm`: circom's witness wasm. */
export type WitnessKind = 'native' | 'wasm'

export type WitnessCalculator = {
  /** Which generator the next `calculate` uses (`native` falls back to `wasm` for good if the build folder cannot use it). */
  readonly kind: WitnessKind
  /**
   * The `.wtns` bytes (snarkjs's binary witness format) for one circuit
   * input; native and wasm results are byte-identical.
   * @throws {RangeOverflowError} (native) or circom's own error (wasm) for an input the circuit rejects.
   */
  calculate(input: Record<string, unknown>): Promise<Uint8Array>
  /** circom's wasm witness of the input, whichever generator `calculate` uses (for checking glassbox's). */
  calculateWasm(input: Record<string, unknown>): Promise<Uint8Array>
  /** Stops using glassbox's witness (its proof did not verify where wasm's did: a glassbox bug), with one warning. */
  distrust(reason: string): void
  close(): Promise<void>
}

export type CreateWitnessCalculatorParameters = {
  /** `native` (the default): glassbox's own generator, with wasm as the fallback; `wasm`: circom's wasm only. */
  prefer?: WitnessKind
  logger?: Logger
}

/**
 * A witness generator for a build folder. `native` is glassbox's own: the
 * circuit's templates mirrored in TypeScript and laid out in wire order by
 * the folder's `witness.plan` (see createModelWitness) — no compiler, no
 * system packages, ready the moment compile returns. If the folder cannot use
 * it (no circuit.sym to plan from, or a mirror that disagrees with the
 * circuit, which is a glassbox bug), it warns once and uses circom's wasm
 * from then on.
 *
 * The wasm module is only instantiated when needed, and wasm calls are
 * serialised (circom_runtime keeps one instance's memory between awaits).
 *
 * @example
 * const witness = await createWitnessCalculator(await loadProvingArtifacts('build/iris'))
 * const wtns = await witness.calculate({ in: ['1', '2', '3', '4'], prover: '0' })
 */
export async function createWitnessCalculator(
  artifacts: { buildDir: string; manifest: Manifest; model: FixedPointModel; wasm: Uint8Array },
  { prefer = 'native', logger = silentLogger }: CreateWitnessCalculatorParameters = {},
): Promise<WitnessCalculator> {
  let wasm: Promise<WasmWitnessCalculator> | undefined
  let wasmQueue: Promise<unknown> = Promise.resolve()
  const viaWasm = (input: Record<string, unknown>): Promise<Uint8Array> => {
    wasm ??= WitnessCalculatorBuilder(artifacts.wasm)
    const run = wasmQueue.then(async () => (await wasm!).calculateWTNSBin(input, true))
    wasmQueue = run.catch(() => undefined)
    return run
  }

  let native: ModelWitness | undefined = prefer === 'native' ? await createModelWitness(artifacts, { wasmWitness: (input) => viaWasm(input) }) : undefined
  const fallBack = (reason: string) => {
    if (native) logger.warn(`glassbox's witness cannot serve ${artifacts.buildDir} (${reason}); using circom's wasm witness from now on`)
    native = undefined
  }
  return {
    get kind() {
      return native ? 'native' : 'wasm'
    },
    async calculate(input) {
      if (!native) return viaWasm(input)
      try {
        return await native.calculate(input as ModelWitnessInput)
      } catch (error) {
        if (error instanceof RangeOverflowError || !(error instanceof WitnessLayoutMismatch || error instanceof ArtifactError)) throw error
        fallBack(error instanceof GlassboxError ? error.shortMessage : error.message)
        return viaWasm(input)
      }
    },
    calculateWasm: viaWasm,
    distrust: fallBack,
    async close() {
      native = undefined
    },
  }
}
