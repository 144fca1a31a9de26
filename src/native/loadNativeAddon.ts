import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { packagePath } from '../packageRoot.js'
import type { Logger } from '../logger.js'

/** Timings and result of one native proof (from the addon). */
export type NativeProveResult = {
  /** `{"proof": {...}, "publicSignals": [...]}`, snarkjs's format. */
  json: string
  witnessMs: number
  /** The A, B1, B2 and C MSMs (absent from older addons). */
  witnessMsmMs?: number
  qapMs: number
  fftMs: number
  msmMs: number
  verifyMs: number
  totalMs: number
  /** The key's fixed-base tables (GLASSBOX_NATIVE_TABLE_MIB; 0 without): ms spent building them in this call, and their MiB (the H table's, and the witness MSMs' once the first proof beside it built them). */
  tableMs?: number
  tableMib?: number
}

export type NativeKeyInfo = {
  nVars: number
  nPublic: number
  domainSize: number
  cached: boolean
  pinned: boolean
  /** The points are read from the key file's mapping (loadKeyFile), not a copy (absent from older addons). */
  mapped?: boolean
  ms: number
  /** The H MSM's fixed-base table, built inside the load when GLASSBOX_NATIVE_TABLE_MIB allows one (absent from older addons). */
  tableMs?: number
  tableMib?: number
}

/** The Node-API addon built from `native/` (Rust). */
export type NativeAddon = {
  NativeProver: new (threads: number) => {
    readonly threads: number
    /** Parses a snarkjs .zkey (once per process); with `sha256`, the bytes must match it. */
    loadKey(zkey: Uint8Array, sha256?: string | null): Promise<NativeKeyInfo>
    /**
     * Loads the .zkey at `path`, which must hash to `sha256`; the per-process cache is looked up by
     * that hash first, so only a process's first prover reads the file. Absent from older addons.
     * `hTable` asks for the H query's fixed-base table (`auto` or a MiB budget; GLASSBOX_NATIVE_TABLE_MIB
     * overrides it when set): the key's first load in the process decides, building it on every core.
     */
    loadKeyFile?(path: string, sha256: string, hTable?: string | null): Promise<NativeKeyInfo>
    /** Proves a .wtns witness; every proof is checked against the key before it is returned. */
    prove(wtns: Uint8Array): Promise<NativeProveResult>
    close(): void
  }
  /**
   * A Groth16 verifier for one verification key (snarkjs JSON); throws "[FORMAT] …" for a key that
   * is not valid. Absent from addons built before it existed.
   */
  NativeVerifier?: new (verificationKeyJson: string) => {
    readonly nPublic: number
    /** e(α, β) in snarkjs's `vk_alphabeta_12` layout (JSON). */
    readonly alphaBetaJson: string
    /** Proof JSON and a JSON list of decimal public signals; false for any invalid or out-of-range value. */
    verify(proofJson: string, publicSignalsJson: string): boolean
  }
  /** e(a, g₂) = e(g₁, b) for a G1 and a G2 point (snarkjs JSON); false when either is not a valid point. Absent from older addons. */
  sameDiscreteLog?: (g1Json: string, g2Json: string) => boolean
  /** Writes a phase-2-prepared dev powers of tau of 2^power (τ chosen by the addon: INSECURE). */
  writeDevPtau(path: string, power: number, threads: number): Promise<void>
  /**
   * Writes a dev Groth16 key (snarkjs `zkey new` + one contribution of fresh δ) from a prepared
   * ptau; resolves to the circuit's domain power. Its circuit hash is the one snarkjs's `zkey new`
   * computes, so `snarkjs zkey verify` accepts the key; the ptau must hash to `ptauSha256`.
   */
  writeDevZkey(r1csPath: string, ptauPath: string, ptauSha256: string, zkeyPath: string, threads: number): Promise<number>
  nativeVersion(): string
  /** Whether the MSMs and FFTs run on the AVX-512 IFMA lanes in this process (the CPU has them, GLASSBOX_NATIVE_IFMA is not 0). Absent from older addons. */
  ifmaLanes?: () => boolean
}

export type NativeProver = InstanceType<NativeAddon['NativeProver']>

/** Where `npm install` (scripts/build-native.mjs) puts the addon. */
export const NATIVE_ADDON_PATH = packagePath('native', 'glassbox_native.node')

/** The install script that builds the addon, and the note it leaves (see scripts/build-native.mjs). */
const BUILD_SCRIPT = packagePath('scripts', 'build-native.mjs')
const BUILD_STATUS = join(dirname(NATIVE_ADDON_PATH), 'build-native.json')

const require = createRequire(import.meta.url)
let cached: { addon: NativeAddon | undefined; reason?: string; warned?: boolean } | undefined

/**
 * Loads the native prover addon once per thread. A missing or unloadable
 * addon is not an error: it returns `undefined` and warns once (one line), and
 * glassbox proves with snarkjs instead. `GLASSBOX_NATIVE=0` disables it.
 */
export function loadNativeAddon({ logger }: { logger?: Logger } = {}): NativeAddon | undefined {
  if (!cached) {
    if (process.env.GLASSBOX_NATIVE === '0') {
      cached = { addon: undefined, reason: 'disabled by GLASSBOX_NATIVE=0' }
    } else if (!existsSync(NATIVE_ADDON_PATH)) {
      cached = { addon: undefined, reason: `${NATIVE_ADDON_PATH} not found (${installStatus()}build it with \`node ${BUILD_SCRIPT}\`; needs Rust's cargo)` }
    } else {
      try {
        cached = { addon: require(NATIVE_ADDON_PATH) as NativeAddon }
      } catch (error) {
        cached = { addon: undefined, reason: `${NATIVE_ADDON_PATH} failed to load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` }
      }
    }
  }
  if (!cached.addon && logger && !cached.warned) {
    cached.warned = true
    logger.warn(`native prover unavailable, proving with snarkjs: ${cached.reason}`)
  }
  return cached.addon
}

/** Why the addon is unavailable (after {@link loadNativeAddon} returned undefined). */
export function nativeAddonUnavailableReason(): string | undefined {
  return cached?.reason
}

// npm hides the output of an install script that succeeds (and npm 11 skips a
// dependency's install script until it is approved): say what happened at install.
function installStatus(): string {
  try {
    const { ok, reason } = JSON.parse(readFileSync(BUILD_STATUS, 'utf8')) as { ok?: boolean; reason?: string }
    return !ok && reason ? `at install: ${reason}; ` : ''
  } catch {
    return 'its install script did not run (npm 11: `npm install-scripts approve glassbox && npm rebuild glassbox`), or '
  }
}
