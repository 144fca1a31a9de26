import type { R1csHeader } from '../compile/readR1csHeader.js'

/**
 * The powers-of-tau power a circuit needs: the smallest p with
 * 2^p ≥ constraints + public inputs + outputs + 1, as snarkjs computes it.
 */
export function requiredPower(header: Pick<R1csHeader, 'constraints' | 'publicInputs' | 'publicOutputs'>): number {
  const n = header.constraints + header.publicInputs + header.publicOutputs + 1
  return Math.max(1, Math.ceil(Math.log2(n)))
}
