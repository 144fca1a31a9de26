import { VerifyError } from '../errors.js'

/** A snarkjs Groth16 proof as JSON (`proof.json`): decimal strings, projective coordinates. */
export type Groth16Proof = {
  pi_a: readonly (string | bigint)[]
  pi_b: readonly (readonly (string | bigint)[])[]
  pi_c: readonly (string | bigint)[]
  protocol?: string
  curve?: string
}

/** Arguments of a snarkjs Solidity verifier's `verifyProof(a, b, c, publicSignals)`. */
export type ProofCalldata = {
  a: [bigint, bigint]
  b: [[bigint, bigint], [bigint, bigint]]
  c: [bigint, bigint]
  publicSignals: bigint[]
}

/** BN254 base field order: proof coordinates live here. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n
/** BN254 scalar field order: public signals live here. */
const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/**
 * Converts a snarkjs Groth16 proof and its public signals into the arguments of the generated
 * Solidity verifier, exactly as `snarkjs.groth16.exportSolidityCallData` does.
 *
 * The G2 point `pi_b` has its two coordinates swapped within each pair: snarkjs stores Fq2
 * elements as `[c0, c1]` while the EVM pairing precompile (EIP-197) expects `[c1, c0]`. The third,
 * projective coordinate of each point (always 1) is dropped.
 *
 * @param proof - snarkjs proof JSON.
 * @param publicSignals - snarkjs public signals (decimal strings or bigints).
 * @returns `{ a, b, c, publicSignals }` as bigints.
 * @throws {VerifyError} When the proof is not a bn128 Groth16 proof, a coordinate is missing or
 *   not a base-field element, or a signal is not a scalar-field element.
 *
 * @example
 * ```ts
 * const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
 * await verifier.verifyProof(a, b, c, signals)
 * ```
 */
export function proofToCalldata(proof: Groth16Proof, publicSignals: readonly (string | bigint)[]): ProofCalldata {
  if (typeof proof !== 'object' || proof === null) throw new VerifyError('The proof is not an object.')
  if (proof.protocol !== undefined && proof.protocol !== 'groth16') {
    throw new VerifyError(`Expected a groth16 proof, got protocol "${proof.protocol}".`)
  }
  if (proof.curve !== undefined && proof.curve !== 'bn128') {
    throw new VerifyError(`Expected a proof on bn128, got curve "${proof.curve}".`, {
      details: 'Ethereum verifiers only support BN254 (snarkjs calls it bn128).',
    })
  }
  const coord = (value: unknown, where: string): bigint => {
    const v = toBigInt(value, `proof.${where}`)
    if (v >= BASE_FIELD) throw new VerifyError(`proof.${where} is not a BN254 base field element.`)
    return v
  }
  const b = proof.pi_b
  if (!Array.isArray(b) || b.length < 2) throw new VerifyError('proof.pi_b must have two coordinate pairs.')
  const b0 = b[0] as readonly unknown[]
  const b1 = b[1] as readonly unknown[]
  if (!Array.isArray(b0) || !Array.isArray(b1)) throw new VerifyError('proof.pi_b must have two coordinate pairs.')

  if (!Array.isArray(publicSignals)) throw new VerifyError('publicSignals must be an array.')
  const signals = publicSignals.map((s, i) => {
    const v = toBigInt(s, `publicSignals[${i}]`)
    if (v >= SCALAR_FIELD) {
      throw new VerifyError(`publicSignals[${i}] is not a BN254 scalar field element.`, {
        details: 'Signals are reduced modulo the scalar field; negative values appear as p - |v|.',
      })
    }
    return v
  })

  return {
    a: [coord(proof.pi_a?.[0], 'pi_a[0]'), coord(proof.pi_a?.[1], 'pi_a[1]')],
    b: [
      [coord(b0[1], 'pi_b[0][1]'), coord(b0[0], 'pi_b[0][0]')],
      [coord(b1[1], 'pi_b[1][1]'), coord(b1[0], 'pi_b[1][0]')],
    ],
    c: [coord(proof.pi_c?.[0], 'pi_c[0]'), coord(proof.pi_c?.[1], 'pi_c[1]')],
    publicSignals: signals,
  }
}

function toBigInt(value: unknown, where: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new VerifyError(`${where} is negative.`)
    return value
  }
  // Decimal as snarkjs writes it; hex accepted because other tools emit it.
  if (typeof value === 'string' && /^(\d+|0x[0-9a-fA-F]+)$/.test(value)) return BigInt(value)
  throw new VerifyError(`${where} is ${value === undefined ? 'missing' : `not an integer: ${JSON.stringify(value)}`}.`)
}
