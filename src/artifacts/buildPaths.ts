import { join } from 'node:path'

/** Every artifact of a model's build folder, from one place. */
export type BuildPaths = ReturnType<typeof buildPaths>

export function buildPaths(dir: string) {
  return {
    dir,
    manifest: join(dir, 'manifest.json'),
    model: join(dir, 'model.json'),
    circom: join(dir, 'circuit.circom'),
    r1cs: join(dir, 'circuit.r1cs'),
    wasm: join(dir, 'circuit.wasm'),
    sym: join(dir, 'circuit.sym'),
    zkey: join(dir, 'circuit.zkey'),
    verificationKey: join(dir, 'verification_key.json'),
    verifier: join(dir, 'Verifier.sol'),
    /** Where glassbox's own witness takes each wire's value from (src/witness/witnessPlanFile.ts); a cache of circuit.sym. */
    witnessPlan: join(dir, 'witness.plan'),
  } as const
}

/** Artifacts whose hashes the manifest records, by key. */
export type ArtifactName = 'model' | 'circom' | 'r1cs' | 'wasm' | 'sym' | 'zkey' | 'verificationKey' | 'verifier'

export const ARTIFACT_FILES: Record<ArtifactName, string> = {
  model: 'model.json',
  circom: 'circuit.circom',
  r1cs: 'circuit.r1cs',
  wasm: 'circuit.wasm',
  sym: 'circuit.sym',
  zkey: 'circuit.zkey',
  verificationKey: 'verification_key.json',
  verifier: 'Verifier.sol',
}
