/** Bounds the width check (checkWidths of each kind) computes with. */

export function abs(v: bigint): bigint {
  return v < 0n ? -v : v
}

export function fitsSigned(v: bigint, bits: number): boolean {
  const limit = 1n << BigInt(bits - 1)
  return v >= -limit && v < limit
}

/**
 * max over outputs of |addend| + Σ |multiplier| · 2^(inputBits − 1): the largest
 * |accumulator| of a linear map for inputs in their signed range.
 * `perRow` multipliers feed each addend.
 */
export function linearBound(multipliers: readonly string[], addends: readonly string[], perRow: number, inputBits: number): bigint {
  const top = 1n << BigInt(inputBits - 1)
  let worst = 0n
  for (let j = 0; j < addends.length; j++) {
    let sum = 0n
    for (let i = j * perRow; i < (j + 1) * perRow; i++) sum += abs(BigInt(multipliers[i]!))
    const bound = abs(BigInt(addends[j]!)) + sum * top
    if (bound > worst) worst = bound
  }
  return worst
}

/** The same bound for every weight set whose values fit the committed widths: each weight at −2^(w−1), each bias at −2^(b−1). */
export function worstLinearBound(perRow: number, inputBits: number, { weights, biases }: { weights: number; biases: number }): bigint {
  return (1n << BigInt(biases - 1)) + BigInt(perRow) * (1n << BigInt(weights - 1)) * (1n << BigInt(inputBits - 1))
}

/** Checks a linear layer's rescale width and its accumulator bound (this model's weights, or the worst committed ones). */
export function checkLinearWidths(
  layer: { shift: number; bits: number },
  values: { multipliers: readonly string[]; addends: readonly string[]; perRow: number },
  context: { inputBits: readonly number[]; committedWidths: { weights: number; biases: number } | undefined; decomposition(bits: number, what: string): void; accumulator(bound: bigint, what: string): void },
  { comparison }: { comparison?: string } = {},
): void {
  const n = layer.shift + layer.bits
  context.decomposition(comparison ? n + 1 : n, comparison ?? `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
  const inputBits = context.inputBits[0]!
  const widths = context.committedWidths
  context.accumulator(
    widths ? worstLinearBound(values.perRow, inputBits, widths) : linearBound(values.multipliers, values.addends, values.perRow, inputBits),
    widths ? 'its accumulator (any committed weight set)' : 'its accumulator',
  )
}

export const INCONSISTENT = 'The fixed-point model is inconsistent; recompile it.'
