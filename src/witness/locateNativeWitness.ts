import { join } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import type { WitnessBinaryInfo } from './buildWitnessBinary.js'
import { readWitnessInfo } from './buildWitnessBinary.js'

/** The manifest key holding the SHA-256 of the circuit's C++ witness source. */
export const WITNESS_SOURCE_KEY = 'witnessSource'

export type LocateNativeWitnessReturnType =
  | { ok: true; binary: string; info: WitnessBinaryInfo }
  /** `state`: `off` = compiled without a native witness; `pending` = not built (yet); `invalid` = present but not this circuit's. */
  | { ok: false; state: 'off' | 'pending' | 'invalid'; reason: string }

/**
 * Finds the native witness binary of a build folder (`witness/`) and checks
 * it belongs to this circuit: its recorded source hash must be the manifest's
 * `artifacts.witnessSource`, and the binary and its data file must hash to
 * what its `witness.json` says. Never throws.
 */
export async function locateNativeWitness(buildDir: string, manifest: Manifest): Promise<LocateNativeWitnessReturnType> {
  const expected = manifest.artifacts[WITNESS_SOURCE_KEY]
  if (!expected) return { ok: false, state: 'off', reason: 'the model was compiled without a native witness' }
  const dir = buildPaths(buildDir).witnessNative
  const info = await readWitnessInfo(dir)
  if (!info) return { ok: false, state: 'pending', reason: `no native witness binary in ${dir} yet (built in the background after compile; see ${buildPaths(buildDir).witnessLog})` }
  if (info.sourceSha256 !== expected) return { ok: false, state: 'invalid', reason: `${dir} was built from another circuit's C++ (recompile to rebuild it)` }
  const binary = join(dir, 'circuit')
  try {
    if ((await sha256File(binary)) !== info.binarySha256 || (await sha256File(join(dir, 'circuit.dat'))) !== info.datSha256) {
      return { ok: false, state: 'invalid', reason: `${dir} does not match its witness.json (changed after it was built)` }
    }
  } catch {
    return { ok: false, state: 'pending', reason: `${dir} is incomplete` }
  }
  return { ok: true, binary, info }
}
