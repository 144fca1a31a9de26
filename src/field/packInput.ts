import { InputError } from '../errors.js'

/**
 * The circuit's input packing (`PackedInputHash`): B-bit signed values offset
 * by 2^(B−1), floor(253 / B) per field element, lowest bits first. Also the
 * calldata layout of a market request's input, so the bytes are the hash's
 * preimage.
 *
 * @throws {InputError} for a bit width out of range or a value that does not fit in B signed bits.
 */
export function packInput(values: readonly bigint[], bits: number): bigint[] {
  if (!Number.isInteger(bits) || bits < 2 || bits > 126) throw new InputError(`Input bit width ${bits} is out of range.`)
  const per = Math.floor(253 / bits)
  const offset = 1n << BigInt(bits - 1)
  const packed: bigint[] = []
  for (let start = 0; start < values.length; start += per) {
    let element = 0n
    values.slice(start, start + per).forEach((v, i) => {
      if (v < -offset || v >= offset) throw new InputError(`Input value ${start + i} (${v}) does not fit in ${bits} signed bits.`)
      element += (v + offset) << BigInt(bits * i)
    })
    packed.push(element)
  }
  return packed
}
