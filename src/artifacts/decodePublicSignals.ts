import { FIELD_ORDER } from '../field/fieldElement.js'
import { VerifyError } from '../errors.js'
import type { PublicSignalLayout } from './manifest.js'

/** What a proof's public signals say, whatever the layout packs (see {@link decodePublicSignals}). */
export type PublicStatement = {
  /** The outputs as signed integers, by output position. */
  outputQ: bigint[]
  /** The proven argmax, when the circuit has one. */
  class?: number
  inputHash?: bigint
  weightsCommitment?: bigint
  /** The input values, for `--input-visibility public`. */
  inputQ?: bigint[]
  prover?: bigint
}

/**
 * Reads a proof's public signals through the manifest's layout: one signal per output and a
 * class signal (older builds), or `packedOutputs` words (see `planOutputPacking`), each unpacked
 * into its outputs (B-bit values offset by 2^(B−1), lowest first) and class. The circuit
 * range-checks every part, so a valid proof's words decode uniquely; a word with bits beyond
 * its parts is refused. This is the one place a reader learns what the signals mean: prove,
 * verify, inspect, the queue, the chain clients.
 *
 * @param signals snarkjs public signals (decimal strings or bigints), in snarkjs order, or any
 *   subset in layout order when `indices` says which signals they are (a fulfilment's outputs).
 * @throws {VerifyError} When a signal is missing, not a field element, or a packed word does not decode.
 */
export function decodePublicSignals(layout: PublicSignalLayout, signals: readonly (string | bigint)[], { indices }: { indices?: readonly number[] } = {}): PublicStatement {
  const at = new Map<number, bigint>()
  const order = indices ?? signals.map((_, i) => i)
  if (order.length !== signals.length) throw new VerifyError(`${signals.length} public signals for ${order.length} positions.`)
  order.forEach((index, k) => {
    const raw = signals[k]!
    let value: bigint
    try {
      value = BigInt(raw)
    } catch {
      throw new VerifyError(`Public signal ${index} (${String(raw).slice(0, 40)}) is not an integer.`)
    }
    if (value < 0n || value >= FIELD_ORDER) throw new VerifyError(`Public signal ${index} is not a BN254 scalar field element.`)
    at.set(index, value)
  })
  const statement: PublicStatement = { outputQ: [] }
  const signed = (v: bigint) => (v > FIELD_ORDER / 2n ? v - FIELD_ORDER : v)
  for (const { index, role, position, packing } of layout) {
    const value = at.get(index)
    if (value === undefined) continue
    switch (role) {
      case 'output':
        statement.outputQ[position] = signed(value)
        break
      case 'class':
        statement.class = Number(value)
        break
      case 'packedOutputs': {
        if (!packing) throw new VerifyError(`The layout's packed word ${position} has no packing description.`, { details: 'The manifest is damaged; recompile the model.' })
        const mask = (1n << BigInt(packing.bits)) - 1n
        const half = 1n << BigInt(packing.bits - 1)
        let rest = value
        for (let k = 0; k < packing.count; k++) {
          statement.outputQ[packing.first + k] = (rest & mask) - half
          rest >>= BigInt(packing.bits)
        }
        if (packing.class) {
          statement.class = Number(rest & ((1n << BigInt(packing.classBits)) - 1n))
          rest >>= BigInt(packing.classBits)
        }
        if (rest !== 0n) throw new VerifyError(`Packed output word ${position} has bits set beyond its ${packing.count} outputs${packing.class ? ' and class' : ''}.`)
        break
      }
      case 'inputHash':
        statement.inputHash = value
        break
      case 'weightsCommitment':
        statement.weightsCommitment = value
        break
      case 'input':
        ;(statement.inputQ ??= [])[position] = signed(value)
        break
      case 'prover':
        statement.prover = value
        break
      default:
        role satisfies never
    }
  }
  return statement
}
