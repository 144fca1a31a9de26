import { WitnessCalculatorBuilder } from 'circom_runtime'
import type { WitnessCalculator as WasmWitnessCalculator } from 'circom_runtime'
import type { Manifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { locateNativeWitness } from './locateNativeWitness.js'
import type { WitnessBinaryRunner } from './runWitnessBinary.js'
import { NativeWitnessFailure, openWitnessBinary } from './runWitnessBinary.js'

export type WitnessKind = 'native' | 'wasm'

export type WitnessCalculator = {
  /** Which generator the next `calculate` uses; moves from `wasm` to `native` when a background build finishes. */
  readonly kind: WitnessKind
  /**
   * The `.wtns` bytes (snarkjs's binary witness format) for one circuit
   * input; native and wasm results are byte-identical.
   * @throws whatever the wasm witness throws for an input the circuit rejects.
   */
  calculate(input: Record<string, unknown>): Promise<Uint8Array>
  close(): Promise<void>
}

export type CreateWitnessCalculatorParameters = {
  /** `native` (the default) uses the build folder's native binary when it is there and valid, else wasm; `wasm` never looks. */
  prefer?: WitnessKind
  logger?: Logger
  /** How often to look again for a binary that is not built yet. */
  recheckMs?: number
}

/**
 * A witness generator for a build folder: circom's native (C++) program when
 * it has been built, else the witness wasm. While the native binary is still
 * being built in the background, calls use wasm and look for it again every
 * `recheckMs`, switching as soon as a valid one appears. A native run that
 * fails is retried in wasm: if wasm succeeds the binary is distrusted for the
 * rest of this calculator's life (one warning); if wasm fails too, its error
 * (the circuit's own message) is what the caller sees.
 *
 * The wasm module is only instantiated when needed, and wasm calls are
 * serialised (circom_runtime keeps one instance's memory between awaits).
 *
 * @example
 * const witness = await createWitnessCalculator(await loadProvingArtifacts('build/iris'))
 * const wtns = await witness.calculate({ in: ['1', '2', '3', '4'], prover: '0' })
 */
export async function createWitnessCalculator(
  artifacts: { buildDir: string; manifest: Manifest; wasm: Uint8Array },
  { prefer = 'native', logger = silentLogger, recheckMs = 2000 }: CreateWitnessCalculatorParameters = {},
): Promise<WitnessCalculator> {
  let wasm: Promise<WasmWitnessCalculator> | undefined
  let wasmQueue: Promise<unknown> = Promise.resolve()
  const viaWasm = (input: Record<string, unknown>): Promise<Uint8Array> => {
    wasm ??= WitnessCalculatorBuilder(artifacts.wasm)
    const run = wasmQueue.then(async () => (await wasm!).calculateWTNSBin(input, true))
    wasmQueue = run.catch(() => undefined)
    return run
  }

  let native: WitnessBinaryRunner | undefined
  let lookForNative = prefer === 'native'
  let lastLook = -Infinity
  let looking: Promise<void> | undefined
  let warned = false
  let calls = 0
  const look = async () => {
    lastLook = performance.now()
    const found = await locateNativeWitness(artifacts.buildDir, artifacts.manifest)
    if (found.ok) {
      native = await openWitnessBinary(found.binary)
      lookForNative = false
      const how = `${found.info.recipe.optimization}, built ${found.info.builtAt}`
      if (calls > 0) logger.info(`witness: native binary is ready (${how}); switching from wasm`)
      else logger.debug(`witness: native binary ${found.binary} (${how})`)
    } else if (found.state === 'off') {
      lookForNative = false
      logger.debug(`witness: wasm (${found.reason})`)
    } else {
      if (found.state === 'invalid') lookForNative = false
      if (!warned) logger.warn(`native witness unavailable, using wasm: ${found.reason}`)
      warned = true
    }
  }
  const maybeLook = async () => {
    if (!lookForNative || performance.now() - lastLook < recheckMs) return
    looking ??= look().finally(() => (looking = undefined))
    await looking
  }

  await maybeLook()
  return {
    get kind() {
      return native ? 'native' : 'wasm'
    },
    async calculate(input) {
      calls++
      await maybeLook()
      const runner = native
      if (!runner) return viaWasm(input)
      try {
        return await runner.run(input)
      } catch (error) {
        if (!(error instanceof NativeWitnessFailure)) throw error
        const wtns = await viaWasm(input) // throws the circuit's own error when the input is the problem
        logger.warn(`native witness failed where wasm succeeded (${error.message}); using wasm from now on`)
        if (native === runner) native = undefined
        await runner.close()
        return wtns
      }
    },
    async close() {
      await native?.close()
      native = undefined
      lookForNative = false
    },
  }
}
