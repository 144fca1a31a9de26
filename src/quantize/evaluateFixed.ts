import { GlassboxError, InputError, RangeOverflowError } from '../errors.js'
import { layerKindOf } from '../layers/layerTable.js'
import type { FixedConvLayer, FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { forEachWindow, padSources, windowBounds } from '../model/windows.js'

export type EvaluateFixedOptions = {
  /** Keep every tensor (for debugging and circuit comparisons). */
  trace?: boolean
  /**
   * Accumulate conv and dense sums in float64 when the layer's bound proves it
   * exact (default true). False forces BigInt throughout: the reference the
   * fast path is tested against.
   */
  float64?: boolean
}

export type EvaluateFixedReturnType = {
  /** The model's output as integers at scale 2^output.scale. */
  outputQ: bigint[]
  /** Index of the first maximum of outputQ (what the ArgMax template proves). */
  argmax: number
  /** Every tensor by name, when `trace` is set. */
  tensors?: Map<string, bigint[]>
}

/**
 * The ground truth of glassbox: a pure integer evaluator of the fixed-point
 * model. The circuit's outputs must equal these bit for bit, so this mirrors
 * the circuit templates exactly: floor division by 2^shift, a signed range
 * check on every rescaled value, max pooling on accumulators before the
 * rescale, ReLU after it.
 *
 * @param model The fixed-point model.
 * @param inputQ The quantized input (see `quantizeInput`).
 * @returns The integer outputs and their argmax.
 * @throws {RangeOverflowError} when a value leaves its signed range, naming the layer.
 * @example
 * const { outputQ, argmax } = evaluateFixed(model, quantizeInput(model, [5.1, 3.5, 1.4, 0.2]))
 */
export function evaluateFixed(model: FixedPointModel, inputQ: readonly bigint[], { trace = false, float64 = true }: EvaluateFixedOptions = {}): EvaluateFixedReturnType {
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  if (inputQ.length !== inputSize) throw new InputError(`Input has ${inputQ.length} values, the model takes ${inputSize}.`)
  checkRange(inputQ, model.input.bits, 'input')
  const tensors = new Map<string, bigint[]>([[model.input.name, [...inputQ]]])
  const read = (name: string): bigint[] => {
    const t = tensors.get(name)
    if (!t) throw new GlassboxError(`Fixed-point layer reads "${name}", which no earlier layer produces.`)
    return t
  }
  for (const layer of model.layers) tensors.set(layer.output, evaluateLayer(layer, read, float64))
  const outputQ = read(model.output.name)
  const result: EvaluateFixedReturnType = { outputQ, argmax: firstArgmax(outputQ) }
  if (trace) result.tensors = tensors
  return result
}

function evaluateLayer(layer: FixedLayer, read: (name: string) => bigint[], float64: boolean): bigint[] {
  switch (layer.kind) {
    case 'dense': {
      const x = read(layer.input)
      const out: bigint[] = new Array(layer.outFeatures)
      const exact = float64 ? exactInFloat64(layer, x, layer.inFeatures) : null
      if (exact) {
        const { weight, bias, x: xf } = exact
        for (let j = 0; j < layer.outFeatures; j++) {
          let acc = bias[j]!
          const row = j * layer.inFeatures
          for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * xf[i]!
          out[j] = BigInt(acc)
        }
      } else {
        const weight = asBigInts(layer.weight)
        for (let j = 0; j < layer.outFeatures; j++) {
          let acc = BigInt(layer.bias[j]!)
          const row = j * layer.inFeatures
          for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * x[i]!
          out[j] = acc
        }
      }
      return rescaleAll(out, layer.shift, layer.bits, layer.relu, layer.name)
    }
    case 'conv':
      return evaluateConv(layer, read(layer.input), float64)
    case 'affine': {
      const x = read(layer.input)
      const acc = x.map((v, i) => BigInt(layer.factor[i]!) * v + BigInt(layer.offset[i]!))
      return rescaleAll(acc, layer.shift, layer.bits, layer.relu, layer.name)
    }
    case 'relu':
      return read(layer.input).map(relu)
    case 'maxpool': {
      const x = read(layer.input)
      const out: bigint[] = []
      forEachWindow(layer, (positions) => {
        out.push(positions.reduce((m, p) => (x[p]! > m ? x[p]! : m), x[positions[0]!]!))
      })
      return out
    }
    case 'pad': {
      const x = read(layer.input)
      return Array.from(padSources(layer.inShape, layer.outShape, layer.pads), (source) => (source < 0 ? 0n : x[source]!))
    }
    case 'permute': {
      const x = read(layer.input)
      return layer.source.map((s) => x[s]!)
    }
    case 'binary':
    case 'matmul':
      return layerKindOf(layer).evaluate(layer, layer.inputs.map(read), { float64 })
    case 'concat': {
      const xs = layer.inputs.map(read)
      return layer.source.map(([which, at]) => xs[which]![at]! << BigInt(layer.upshift[which]!))
    }
    case 'clip': {
      const lo = layer.min === null ? undefined : BigInt(layer.min)
      const hi = layer.max === null ? undefined : BigInt(layer.max)
      return read(layer.input).map((v) => {
        let y = lo !== undefined && v < lo ? lo : v
        if (hi !== undefined && y > hi) y = hi
        return y
      })
    }
    case 'leakyrelu': {
      const alpha = BigInt(layer.alpha)
      const x = read(layer.input)
      // The circuit computes the negative branch for every value, so it is range-checked for every value.
      const negative = rescaleAll(x.map((v) => alpha * v), layer.alphaShift, layer.bits, false, layer.name)
      return x.map((v, i) => (v >= 0n ? v : negative[i]!))
    }
    case 'pwl': {
      const knots = layer.knots.map(BigInt)
      const hinges = layer.hinges.map(BigInt)
      const acc = read(layer.input).map((v) => {
        let a = BigInt(layer.base)
        knots.forEach((k, j) => {
          if (v > k) a += hinges[j]! * (v - k)
        })
        return a
      })
      return rescaleAll(acc, layer.shift, layer.bits, false, layer.name)
    }
    default:
      return layer satisfies never
  }
}

function evaluateConv(layer: FixedConvLayer, x: readonly bigint[], float64: boolean): bigint[] {
  const [inC, height, width] = layer.inShape
  const [outC, oh, ow] = layer.convShape
  const [kh, kw] = layer.kernel
  const perGroupIn = inC / layer.group
  const perGroupOut = outC / layer.group
  const acc: bigint[] = new Array(outC * oh * ow)
  const exact = float64 ? exactInFloat64(layer, x, perGroupIn * kh * kw) : null
  if (exact) {
    const { weight, bias, x: xf } = exact
    for (let m = 0; m < outC; m++) {
      const firstIn = Math.floor(m / perGroupOut) * perGroupIn
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let a = bias[m]!
          const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(layer, y, xx)
          for (let c = 0; c < perGroupIn; c++) {
            for (let i = iFrom; i < iTo; i++) {
              const wRow = ((m * perGroupIn + c) * kh + i) * kw
              const xRow = ((firstIn + c) * height + h0 + i) * width + w0
              for (let j = jFrom; j < jTo; j++) a += weight[wRow + j]! * xf[xRow + j]!
            }
          }
          acc[(m * oh + y) * ow + xx] = BigInt(a)
        }
      }
    }
  } else {
    const weight = asBigInts(layer.weight)
    for (let m = 0; m < outC; m++) {
      const firstIn = Math.floor(m / perGroupOut) * perGroupIn
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let a = BigInt(layer.bias[m]!)
          const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(layer, y, xx)
          for (let c = 0; c < perGroupIn; c++) {
            for (let i = iFrom; i < iTo; i++) {
              const wRow = ((m * perGroupIn + c) * kh + i) * kw
              const xRow = ((firstIn + c) * height + h0 + i) * width + w0
              for (let j = jFrom; j < jTo; j++) a += weight[wRow + j]! * x[xRow + j]!
            }
          }
          acc[(m * oh + y) * ow + xx] = a
        }
      }
    }
  }
  if (!layer.pool) return rescaleAll(acc, layer.shift, layer.bits, layer.relu, layer.name)
  // Pool the accumulators: the comparisons in the circuit need every one of
  // them within shift + bits signed bits.
  checkRange(acc, layer.shift + layer.bits, `${layer.name} (accumulators)`)
  const pooled: bigint[] = []
  forEachWindow({ ...layer.pool, inShape: layer.convShape }, (positions) => {
    pooled.push(positions.reduce((m, p) => (acc[p]! > m ? acc[p]! : m), acc[positions[0]!]!))
  })
  return rescaleAll(pooled, layer.shift, layer.bits, layer.relu, layer.name)
}

// The model is immutable and evaluated once per input: convert each weight
// array to BigInts once, not on every inference.
const bigIntCache = new WeakMap<readonly string[], bigint[]>()
function asBigInts(values: readonly string[]): bigint[] {
  let converted = bigIntCache.get(values)
  if (!converted) {
    converted = values.map(BigInt)
    bigIntCache.set(values, converted)
  }
  return converted
}

// Integer sums in float64 are exact while every partial sum stays below 2^53
// in magnitude. A layer's sums are bounded by |bias| + (weights per output) ·
// max|w| · max|x|, so when that bound fits, the accumulation runs on doubles
// (an order of magnitude faster than BigInt) and yields the same integers;
// otherwise it stays on BigInt. The bound is checked on every input.
const FLOAT64_EXACT = 2 ** 53
type Float64Weights = { weight: Float64Array; bias: Float64Array; maxWeight: number; maxBias: number }
const float64Cache = new WeakMap<readonly string[], Float64Weights | null>()

function float64Weights(layer: { weight: readonly string[]; bias: readonly string[] }): Float64Weights | null {
  let cached = float64Cache.get(layer.weight)
  if (cached === undefined) {
    const weight = Float64Array.from(layer.weight, Number)
    const bias = Float64Array.from(layer.bias, Number)
    const maxWeight = weight.reduce((m, w) => Math.max(m, Math.abs(w)), 0)
    const maxBias = bias.reduce((m, b) => Math.max(m, Math.abs(b)), 0)
    // Weights or biases beyond 2^53 do not even convert exactly.
    cached = maxWeight < FLOAT64_EXACT && maxBias < FLOAT64_EXACT ? { weight, bias, maxWeight, maxBias } : null
    float64Cache.set(layer.weight, cached)
  }
  return cached
}

/** The layer's weights and the input as doubles when every sum of `terms` products (plus a bias) is exact in float64; otherwise null. */
function exactInFloat64(layer: { weight: readonly string[]; bias: readonly string[] }, x: readonly bigint[], terms: number): { weight: Float64Array; bias: Float64Array; x: Float64Array } | null {
  const weights = float64Weights(layer)
  if (!weights) return null
  let maxX = 0n
  for (const v of x) {
    const a = v < 0n ? -v : v
    if (a > maxX) maxX = a
  }
  if (weights.maxBias + terms * weights.maxWeight * Number(maxX) >= FLOAT64_EXACT / 2) return null
  return { weight: weights.weight, bias: weights.bias, x: Float64Array.from(x, Number) }
}

// BigInt's >> is an arithmetic shift, i.e. floor division, as in the circuit.
function rescaleAll(acc: readonly bigint[], shift: number, bits: number, applyRelu: boolean, where: string): bigint[] {
  const s = BigInt(shift)
  const q = acc.map((a) => a >> s)
  checkRange(q, bits, where)
  return applyRelu ? q.map(relu) : q
}

function relu(q: bigint): bigint {
  return q < 0n ? 0n : q
}

function checkRange(values: readonly bigint[], bits: number, where: string): void {
  const limit = 1n << BigInt(bits - 1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < -limit || v >= limit) {
      throw new RangeOverflowError(`Value ${v} at ${where}[${i}] does not fit in ${bits} signed bits.`, {
        details:
          'The input drives the model outside the range it was calibrated for. Recompile with a calibration set that covers such inputs, or with more --bits or --headroom.',
      })
    }
  }
}

/** Index of the first maximum, as the ArgMax circuit breaks ties. */
export function firstArgmax(values: readonly bigint[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i
  return best
}
