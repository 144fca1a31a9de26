/**
 * Float64 kernels of the nonlinear IR ops (softmax, layernorm, gelu, erf),
 * following onnxruntime's CPU definitions of Softmax, LayerNormalization,
 * Gelu and Erf. Used by {@link applyOp}, by calibration and as the reference
 * the fixed-point approximations are measured against.
 */
import type { LayerNormOp, SoftmaxOp } from './ir.js'

/**
 * The error function. Chebyshev fit of erfc (Numerical Recipes' `erfcc`):
 * relative error below 1.2e-7 everywhere, far below float32's resolution,
 * which is what ONNX models compute in.
 */
export function erf(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? 1 - erfc : erfc - 1
}

/** GELU, x·Φ(x) = x/2·(1 + erf(x/√2)), or the tanh approximation x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))). */
export function gelu(x: number, approximate: 'none' | 'tanh' = 'none'): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))
  return 0.5 * x * (1 + erf(x / Math.SQRT2))
}

/** Softmax of every group of `axisSize` values `inner` apart (see SoftmaxOp), max-subtracted like onnxruntime. */
export function softmax(op: Pick<SoftmaxOp, 'axisSize' | 'inner'>, x: Float64Array): Float64Array {
  const { axisSize, inner } = op
  const y = new Float64Array(x.length)
  const outer = x.length / (axisSize * inner)
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number) => (o * axisSize + k) * inner + i
      let max = Number.NEGATIVE_INFINITY
      for (let k = 0; k < axisSize; k++) max = Math.max(max, x[at(k)]!)
      let sum = 0
      for (let k = 0; k < axisSize; k++) {
        const e = Math.exp(x[at(k)]! - max)
        y[at(k)] = e
        sum += e
      }
      for (let k = 0; k < axisSize; k++) y[at(k)] = y[at(k)]! / sum
    }
  }
  return y
}

/** Layer normalization of every run of `groupSize` consecutive values (see LayerNormOp). */
export function layerNorm(op: Pick<LayerNormOp, 'groupSize' | 'gamma' | 'beta' | 'epsilon'>, x: Float64Array): Float64Array {
  const { groupSize: n, gamma, beta, epsilon } = op
  const y = new Float64Array(x.length)
  for (let g = 0; g < x.length; g += n) {
    let mean = 0
    for (let k = 0; k < n; k++) mean += x[g + k]!
    mean /= n
    let variance = 0
    for (let k = 0; k < n; k++) variance += (x[g + k]! - mean) ** 2
    variance /= n
    const inv = 1 / Math.sqrt(variance + epsilon)
    for (let k = 0; k < n; k++) y[g + k] = (x[g + k]! - mean) * inv * gamma[k]! + beta[k]!
  }
  return y
}
