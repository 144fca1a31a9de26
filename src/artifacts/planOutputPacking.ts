import { CompileError } from '../errors.js'
import type { OutputPacking } from './manifest.js'

/** The most bits one packed word holds: 2^252 < p, so a word of range-checked parts never wraps the field. */
export const PACKED_WORD_BITS = 252

export type PlanOutputPackingParameters = {
  /** Number of output values. */
  outputs: number
  /** Signed width every output is range-checked to in the circuit (the manifest's output bits). */
  bits: number
  /** Whether the argmax class is packed too (after the outputs, in the last word). */
  argmax: boolean
}

/**
 * Lays the outputs (and the class) out in as few public words as fit: ⌊252 / bits⌋ outputs a
 * word, lowest bits first, the class in ⌈log2(outputs)⌉ bits after the last word's outputs (the
 * last word gives up an output to a new word when the class does not fit). Each public signal
 * costs a snarkjs verifier about 6.2k gas, so 10 outputs and a class at 16 bits go from 11
 * signals to 1. The circuit (`PackWord` in circuits/glassbox.circom) and every reader
 * (`decodePublicSignals`) follow this plan, which the manifest records per word. Pure.
 *
 * @throws {CompileError} For a width a word cannot hold with the class.
 */
export function planOutputPacking({ outputs, bits, argmax }: PlanOutputPackingParameters): OutputPacking[] {
  const classBits = argmax ? bitLength(outputs - 1) : 0
  if (!Number.isInteger(bits) || bits < 1 || bits + classBits > PACKED_WORD_BITS || !Number.isInteger(outputs) || outputs < 1) {
    throw new CompileError(`Cannot pack ${outputs} outputs of ${bits} bits${classBits ? ` with a ${classBits}-bit class` : ''} into ${PACKED_WORD_BITS}-bit public words.`, {
      details: 'Compile with --output-signals separate (one public signal per output), or with fewer --bits.',
    })
  }
  const per = Math.floor(PACKED_WORD_BITS / bits)
  const counts: number[] = []
  for (let left = outputs; left > 0; left -= Math.min(per, left)) counts.push(Math.min(per, left))
  const last = counts.length - 1
  if (counts[last]! * bits + classBits > PACKED_WORD_BITS) {
    counts[last]! -= 1
    counts.push(1)
  }
  let first = 0
  return counts.map((count, i) => {
    const word: OutputPacking = { first, count, bits, class: argmax && i === counts.length - 1, classBits: argmax && i === counts.length - 1 ? classBits : 0 }
    first += count
    return word
  })
}

function bitLength(n: number): number {
  return n <= 0 ? 0 : Math.floor(Math.log2(n)) + 1
}
