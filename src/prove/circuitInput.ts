// The address module alone: the whole of ethers is 126 modules for every proving worker to load.
import { getAddress, isAddress } from 'ethers/address'
import { FIELD_ORDER, toField } from '../field/fieldElement.js'
import { InputError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** The input signals of the GlassboxModel circuit for one inference (`weights`: a committed-weights circuit's private weight set). */
export type CircuitInput = { in: string[]; prover: string; salt?: string; weights?: string[] }

/** Checks and normalises an Ethereum address (the prover the proof is bound to). */
export function parseProverAddress(address: string): string {
  if (!isAddress(address)) {
    throw new InputError(`"${address}" is not an Ethereum address.`, { details: 'Pass --prover 0x… (20 bytes, hex).' })
  }
  return getAddress(address)
}

/**
 * Quantizes a float input and builds the circuit's input signals. Pure.
 * @param options.weights For a committed-weights circuit: the weight set's signals (see `weightSignals`), computed once per model.
 * @param options.salted Whether the circuit takes a private `salt` (manifest `input.salted`); it then always gets one (0: none).
 * @param options.salt The input's private salt (a field element; 0 is no salt).
 * @throws {InputError} For a non-zero salt given to a circuit without one, or a salt outside the field.
 */
export function circuitInput(
  model: FixedPointModel,
  input: readonly number[],
  prover: string,
  { weights, salt, salted = false }: { weights?: string[]; salt?: bigint | undefined; salted?: boolean } = {},
): { inputQ: bigint[]; signals: CircuitInput } {
  if (salt !== undefined && (salt < 0n || salt >= FIELD_ORDER)) throw new InputError('The salt must be a field element (0 ≤ salt < r).')
  if (salt !== undefined && salt !== 0n && !salted) {
    throw new InputError(`This build of "${model.name}" takes no salt: its input hash cannot be salted.`, {
      details: 'Recompile the model with a current glassbox (its circuits take an optional private salt), or prove without "salt".',
    })
  }
  const inputQ = quantizeInput(model, input)
  return {
    inputQ,
    signals: {
      in: inputQ.map((q) => toField(q).toString()),
      prover: BigInt(parseProverAddress(prover)).toString(),
      ...(salted ? { salt: (salt ?? 0n).toString() } : {}),
      ...(weights ? { weights } : {}),
    },
  }
}
