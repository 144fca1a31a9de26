import { GlassboxError, InputError, RangeOverflowError } from '../errors.js'
import type { FixedConvLayer, FixedLayer, FixedPointModel } from './fixedPointModel.js'
import { forEachWindow, forWindow, padSources } from '../model/windows.js'

export type EvaluateFixedOptions = {
  /** Keep every tensor (for debugging and circuit comparisons). */
  trace?: boolean
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
export function evaluateFixed(model: FixedPointModel, inputQ: readonly bigint[], { trace = false }: EvaluateFixedOptions = {}): EvaluateFixedReturnType {
  const inputSize = model.input.shape.reduce((a, b) => a * b, 1)
  if (inputQ.length !== inputSize) throw new InputError(`Input has ${inputQ.length} values, the model takes ${inputSize}.`)
  checkRange(inputQ, model.input.bits, 'input')
  const tensors = new Map<string, bigint[]>([[model.input.name, [...inputQ]]])
  const read = (name: string): bigint[] => {
    const t = tensors.get(name)
    if (!t) throw new GlassboxError(`Fixed-point layer reads "${name}", which no earlier layer produces.`)
    return t
  }
  for (const layer of model.layers) tensors.set(layer.output, evaluateLayer(layer, read))
  const outputQ = read(model.output.name)
  const result: EvaluateFixedReturnType = { outputQ, argmax: firstArgmax(outputQ) }
  if (trace) result.tensors = tensors
  return result
}

function evaluateLayer(layer: FixedLayer, read: (name: string) => bigint[]): bigint[] {
  switch (layer.kind) {
    case 'dense': {
      const x = read(layer.input)
      const weight = asBigInts(layer.weight)
      const out: bigint[] = new Array(layer.outFeatures)
      for (let j = 0; j < layer.outFeatures; j++) {
        let acc = BigInt(layer.bias[j]!)
        const row = j * layer.inFeatures
        for (let i = 0; i < layer.inFeatures; i++) acc += weight[row + i]! * x[i]!
        out[j] = acc
      }
      return rescaleAll(out, layer.shift, layer.bits, layer.relu, layer.name)
    }
    case 'conv':
      return evaluateConv(layer, read(layer.input))
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

function evaluateConv(layer: FixedConvLayer, x: readonly bigint[]): bigint[] {
  const [inC, height, width] = layer.inShape
  const [outC, oh, ow] = layer.convShape
  const [kh, kw] = layer.kernel
  const perGroupIn = inC / layer.group
  const perGroupOut = outC / layer.group
  const weight = asBigInts(layer.weight)
  const acc: bigint[] = new Array(outC * oh * ow)
  for (let m = 0; m < outC; m++) {
    const firstIn = Math.floor(m / perGroupOut) * perGroupIn
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        let a = BigInt(layer.bias[m]!)
        for (let c = 0; c < perGroupIn; c++) {
          forWindow(layer, y, xx, (i, j, h, w) => {
            a += weight[((m * perGroupIn + c) * kh + i) * kw + j]! * x[((firstIn + c) * height + h) * width + w]!
          })
        }
        acc[(m * oh + y) * ow + xx] = a
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
