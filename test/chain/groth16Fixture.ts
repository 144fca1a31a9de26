/**
 * Test fixture for src/chain: a real (tiny) circom circuit, a locally generated powers of tau,
 * a Groth16 key, the snarkjs Solidity verifier and proofs — built from scratch in a temp dir so
 * the chain tests exercise exactly what the pipeline produces. Insecure by construction (known
 * entropy); for tests only.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** Signals `[c, a, prover]`: outputs first, then public inputs in declaration order (snarkjs). */
export const CIRCUIT = `pragma circom 2.0.0;

// c = a * b with a public (stands in for an input hash) and b private; prover is a public input
// constrained by squaring so it cannot be optimised away, which binds it into the proof.
template MulBound() {
    signal input a;
    signal input b;
    signal input prover;
    signal output c;
    signal proverSquared;
    c <== a * b;
    proverSquared <== prover * prover;
}

component main { public [a, prover] } = MulBound();
`
export const N_PUBLIC = 3
export const INPUT_HASH_INDEX = 1
export const PROVER_INDEX = 2

/**
 * The committed-weights variant: `w` stands in for a weight commitment. Signals `[c, a, w, prover]`.
 * (Constraining c = a * b + w keeps w in the statement the way a real commitment is.)
 */
export const COMMITTED_CIRCUIT = `pragma circom 2.0.0;

template MulBoundWeights() {
    signal input a;
    signal input b;
    signal input w;
    signal input prover;
    signal output c;
    signal proverSquared;
    c <== a * b + w;
    proverSquared <== prover * prover;
}

component main { public [a, w, prover] } = MulBoundWeights();
`

export type FixtureProofRequest = { a: bigint; b: bigint; prover: string; w?: bigint }

export type FixtureOptions = {
  /** `constant` (default): CIRCUIT, signals [c, a, prover]. `committed`: COMMITTED_CIRCUIT, [c, a, w, prover]. */
  variant?: 'constant' | 'committed'
}

export type FixtureProof = {
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[]; protocol: string; curve: string }
  publicSignals: string[]
  /** snarkjs.groth16.exportSolidityCallData output, to check our conversion against. */
  solidityCallData: string
  /** Off-chain verification by snarkjs. */
  verifiesOffChain: boolean
}

export type Groth16Fixture = {
  dir: string
  verifierSource: string
  /** The verification key, as snarkjs exports it. */
  verificationKey: unknown
  proofs: FixtureProof[]
  /** Milliseconds per step, for the log. */
  timings: Record<string, number>
}

// A non-literal specifier: snarkjs ships no types, and an ambient `declare module` here could
// collide with one another stage adds. The fixture only needs this narrow, local view of it.
const SNARKJS: string = 'snarkjs'
type Snarkjs = {
  curves: { getCurveFromName(name: string): Promise<{ terminate(): Promise<void> }> }
  powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: unknown): Promise<unknown>
    contribute(from: string, to: string, name: string, entropy: string, logger?: unknown): Promise<unknown>
    preparePhase2(from: string, to: string, logger?: unknown): Promise<unknown>
  }
  zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: unknown): Promise<unknown>
    exportVerificationKey(zkey: string): Promise<unknown>
    exportSolidityVerifier(zkey: string, templates: { groth16: string }, logger?: unknown): Promise<string>
  }
  groth16: {
    fullProve(input: Record<string, string>, wasm: string, zkey: string): Promise<{ proof: FixtureProof['proof']; publicSignals: string[] }>
    verify(vkey: unknown, publicSignals: string[], proof: unknown): Promise<boolean>
    exportSolidityCallData(proof: unknown, publicSignals: string[]): Promise<string>
  }
}

/**
 * Builds the circuit, keys and verifier, and proves each request.
 * @param requests - one proof per entry; `prover` is an address (hex), bound as the prover signal.
 */
export async function buildGroth16Fixture(requests: readonly FixtureProofRequest[], { variant = 'constant' }: FixtureOptions = {}): Promise<Groth16Fixture> {
  const timings: Record<string, number> = {}
  let t = Date.now()
  const lap = (name: string) => {
    timings[name] = Date.now() - t
    t = Date.now()
  }
  const dir = await mkdtemp(join(tmpdir(), 'glassbox-chain-'))
  await writeFile(join(dir, 'circuit.circom'), variant === 'committed' ? COMMITTED_CIRCUIT : CIRCUIT)
  // circom2 (WASI) only sees its working directory: run it there, with relative paths.
  const circomCli = join(process.cwd(), 'node_modules', 'circom2', 'cli.js')
  await promisify(execFile)(process.execPath, [circomCli, 'circuit.circom', '--r1cs', '--wasm', '--sym', '-o', '.'], { cwd: dir })
  lap('circom2')

  const snarkjs = (await import(SNARKJS)) as Snarkjs
  const curve = await snarkjs.curves.getCurveFromName('bn128')
  try {
    const p = (name: string) => join(dir, name)
    await snarkjs.powersOfTau.newAccumulator(curve, 4, p('pot0.ptau'))
    await snarkjs.powersOfTau.contribute(p('pot0.ptau'), p('pot1.ptau'), 'test', 'glassbox chain test entropy (insecure)')
    await snarkjs.powersOfTau.preparePhase2(p('pot1.ptau'), p('pot.ptau'))
    lap('ptau')
    await snarkjs.zKey.newZKey(p('circuit.r1cs'), p('pot.ptau'), p('circuit.zkey'))
    const vkey = await snarkjs.zKey.exportVerificationKey(p('circuit.zkey'))
    const template = await readFile(join(process.cwd(), 'node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'), 'utf8')
    const verifierSource = await snarkjs.zKey.exportSolidityVerifier(p('circuit.zkey'), { groth16: template })
    lap('groth16 setup')

    const proofs: FixtureProof[] = []
    for (const { a, b, prover, w } of requests) {
      const input: Record<string, string> = { a: a.toString(), b: b.toString(), prover: BigInt(prover).toString() }
      if (variant === 'committed') input.w = (w ?? 0n).toString()
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, p('circuit_js/circuit.wasm'), p('circuit.zkey'))
      proofs.push({
        proof,
        publicSignals,
        solidityCallData: await snarkjs.groth16.exportSolidityCallData(proof, publicSignals),
        verifiesOffChain: await snarkjs.groth16.verify(vkey, publicSignals, proof),
      })
    }
    lap('prove')
    return { dir, verifierSource, verificationKey: vkey, proofs, timings }
  } finally {
    // snarkjs keeps worker threads alive until its curve is terminated; the process would hang.
    await curve.terminate()
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
    // Everything the tests need is returned in memory.
    await rm(dir, { recursive: true, force: true })
  }
}
