// Minimal typings for untyped dependencies, covering only what glassbox uses.
// Ambient and internal: tsc does not emit this file, so no public .d.ts may name
// these modules (test/package.test.ts typechecks a consumer to hold that).
declare module 'circomlibjs' {
  export type PoseidonField = { toObject(element: unknown): bigint; e(value: bigint | number | string): unknown }
  export type PoseidonHasher = ((inputs: readonly (bigint | number | string)[], initialState?: bigint | number | string) => unknown) & { F: PoseidonField }
  export function buildPoseidon(): Promise<PoseidonHasher>
}

declare module 'snarkjs' {
  // One definition of the proof JSON, glassbox's own (it is part of the public types; this file is not emitted).
  export type Groth16Proof = import('./snark/groth16Proof.js').Groth16ProofJson
  export type MemFile = { type: 'mem'; data?: Uint8Array }
  export type FileRef = string | MemFile
  export type SnarkLogger = { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void } | undefined
  export const groth16: {
    prove(zkey: FileRef, witness: FileRef, logger?: SnarkLogger, options?: { singleThread?: boolean }): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    verify(vkey: unknown, publicSignals: readonly string[], proof: unknown, logger?: SnarkLogger): Promise<boolean>
    exportSolidityCallData(proof: unknown, publicSignals: readonly string[]): Promise<string>
  }
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: FileRef, logger?: SnarkLogger): Promise<unknown>
    contribute(oldPtau: FileRef, newPtau: FileRef, name: string, entropy: string, logger?: SnarkLogger): Promise<unknown>
    beacon(oldPtau: FileRef, newPtau: FileRef, name: string, beaconHash: string, numIterationsExp: number, logger?: SnarkLogger): Promise<unknown>
    preparePhase2(oldPtau: FileRef, newPtau: FileRef, logger?: SnarkLogger): Promise<unknown>
    verify(ptau: FileRef, logger?: SnarkLogger): Promise<boolean>
  }
  export const zKey: {
    newZKey(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: SnarkLogger): Promise<unknown>
    contribute(oldZkey: FileRef, newZkey: FileRef, name: string, entropy: string, logger?: SnarkLogger): Promise<unknown>
    beacon(oldZkey: FileRef, newZkey: FileRef, name: string, beaconHash: string, numIterationsExp: number, logger?: SnarkLogger): Promise<unknown>
    exportVerificationKey(zkey: FileRef, logger?: SnarkLogger): Promise<Record<string, unknown>>
    exportSolidityVerifier(zkey: FileRef, templates: { groth16: string }, logger?: SnarkLogger): Promise<string>
    verifyFromR1cs(r1cs: FileRef, ptau: FileRef, zkey: FileRef, logger?: SnarkLogger): Promise<boolean>
  }
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<{ terminate(): Promise<void> }>
  }
}

declare module 'circom_runtime' {
  export type WitnessCalculator = {
    calculateWitness(input: Record<string, unknown>, sanityCheck?: boolean): Promise<bigint[]>
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: Record<string, unknown>): Promise<WitnessCalculator>
}
