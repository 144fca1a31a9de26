import { toField } from '../field/fieldElement.js'
import type { PublicSignalLayout } from './manifest.js'
import type { PublicStatement } from './decodePublicSignals.js'

/**
 * The public signals a statement has under a layout: the inverse of `decodePublicSignals`,
 * so a prover can say what its proof must show (outputs packed into words as the circuit packs
 * them). A signal whose value the statement lacks is undefined. Pure.
 */
export function encodePublicSignals(layout: PublicSignalLayout, statement: PublicStatement): (bigint | undefined)[] {
  const signals: (bigint | undefined)[] = []
  for (const { index, role, position, packing } of layout) {
    let value: bigint | undefined
    switch (role) {
      case 'output':
        value = field(statement.outputQ[position])
        break
      case 'class':
        value = statement.class === undefined ? undefined : BigInt(statement.class)
        break
      case 'packedOutputs': {
        if (!packing) break
        let word = 0n
        let complete = true
        for (let k = 0; k < packing.count; k++) {
          const v = statement.outputQ[packing.first + k]
          if (v === undefined) complete = false
          else word += (v + (1n << BigInt(packing.bits - 1))) << BigInt(packing.bits * k)
        }
        if (packing.class) {
          if (statement.class === undefined) complete = false
          else word += BigInt(statement.class) << BigInt(packing.bits * packing.count)
        }
        value = complete ? word : undefined
        break
      }
      case 'inputHash':
        value = statement.inputHash
        break
      case 'weightsCommitment':
        value = statement.weightsCommitment
        break
      case 'input':
        value = field(statement.inputQ?.[position])
        break
      case 'prover':
        value = statement.prover
        break
      default:
        role satisfies never
    }
    signals[index] = value
  }
  return signals
}

const field = (v: bigint | undefined) => (v === undefined ? undefined : toField(v))
