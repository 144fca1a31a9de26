import { getAddress, isAddress } from 'ethers'
import { toField } from '../compile/poseidonChain.js'
import { InputError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** The input signals of the GlassboxModel circuit for one inference (`weights`: a committed-weights circuit's private weight set). */
export type CircuitInput = { in: string[]; prover: string; weights?: string[] }

/** Checks and normalises an Ethereum address (the prover the proof is bound to). */
export function parseProverAddress(address: string): string {
  if (!isAddress(address)) {
    throw new InputError(`"${address}" is not an Ethereum address.`, { details: 'Pass --prover 0x… (20 bytes, hex).' })
  }
  return getAddress(address)
}

/**
 * Quantizes a float input and builds the circuit's input signals. Pure.
 * @param weights For a committed-weights circuit: the weight set's signals (see `weightSignals`), computed once per model.
 */
export function circuitInput(
  model: FixedPointModel,
  input: readonly number[],
  prover: string,
  { weights }: { weights?: string[] } = {},
): { inputQ: bigint[]; signals: CircuitInput } {
  const inputQ = quantizeInput(model, input)
  return {
    inputQ,
    signals: { in: inputQ.map((q) => toField(q).toString()), prover: BigInt(parseProverAddress(prover)).toString(), ...(weights ? { weights } : {}) },
  }
}
