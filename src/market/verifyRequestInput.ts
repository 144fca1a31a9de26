import type { ReadRequestReturnType } from '../chain/readRequest.js'
import { decodeRequestInput, hashRequestInput } from '../chain/requestInput.js'
import { InputError } from '../errors.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'

/**
 * Decodes a request's input and checks, off-chain, that it hashes to the request's input hash:
 * the market cannot check Poseidon cheaply, so a request whose input does not match could never
 * be fulfilled, and an honest prover must not lock it (its collateral would be slashed).
 *
 * @returns The quantized input values.
 * A private request carries no input: its requester hands input and salt to the prover
 * off-chain, and they must hash (Poseidon(h, salt)) to the claimed hash.
 *
 * @throws {InputError} When a private request comes without its input, the input is malformed
 *   for this model, or input and salt do not hash to the claimed hash.
 */
export async function verifyRequestInput(
  request: Pick<ReadRequestReturnType, 'requestId' | 'input' | 'terms'>,
  model: FixedPointModel,
  { values: given, salt }: VerifyRequestInputOptions = {},
): Promise<bigint[]> {
  let values: bigint[]
  if (request.input === '0x') {
    if (!given) {
      throw new InputError(`Request ${request.requestId} carries no input (a private request).`, {
        details: 'Its requester hands the input and salt to a prover off-chain (the file `glassbox request --private --secret-out` wrote); pass it with --input. Without it, do not lock it.',
      })
    }
    values = [...given]
  } else {
    const count = model.input.shape.reduce((a, b) => a * b, 1)
    values = decodeRequestInput(request.input, model.input.bits, count)
    if (given && (given.length !== values.length || given.some((v, i) => v !== values[i]))) {
      throw new InputError(`The input given for request ${request.requestId} is not the one it carries on-chain.`, { details: 'Leave out the input for a public request: it is read from the chain.' })
    }
  }
  const hash = await hashRequestInput({ values, bits: model.input.bits, salt })
  if (hash !== request.terms.inputHash) {
    throw new InputError(`The input of request ${request.requestId}${salt ? ' with the salt given' : ''} does not hash to its claimed input hash.`, {
      details: `Claimed ${request.terms.inputHash}, computed ${hash}. No proof can answer it${request.input === '0x' || salt ? ' with this input and salt (check they are the requester\'s)' : ''}: do not lock it.`,
    })
  }
  return values
}

export type VerifyRequestInputOptions = {
  /** A private request's input, quantized (handed over off-chain); for a public one, if given, it must equal the input on-chain. */
  values?: readonly bigint[] | undefined
  /** The input's private salt (0 or absent: unsalted). */
  salt?: bigint | undefined
}
