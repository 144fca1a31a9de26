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
 * @throws {InputError} When the request carries no input (a private, salted request), the
 *   input is malformed for this model, or it does not hash to the claimed hash.
 */
export async function verifyRequestInput(request: Pick<ReadRequestReturnType, 'requestId' | 'input' | 'terms'>, model: FixedPointModel): Promise<bigint[]> {
  if (request.input === '0x') {
    throw new InputError(`Request ${request.requestId} carries no input (a private request).`, {
      details: 'Its requester hands the input and salt to a prover off-chain; without them it cannot be answered. Do not lock it.',
    })
  }
  const count = model.input.shape.reduce((a, b) => a * b, 1)
  const values = decodeRequestInput(request.input, model.input.bits, count)
  const hash = await hashRequestInput({ values, bits: model.input.bits })
  if (hash !== request.terms.inputHash) {
    throw new InputError(`The input of request ${request.requestId} does not hash to its claimed input hash.`, {
      details: `Claimed ${request.terms.inputHash}, computed ${hash}. No proof can answer it: do not lock it.`,
    })
  }
  return values
}
