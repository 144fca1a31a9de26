import { GlassboxError } from '../errors.js'
import { broadcastIndex } from './broadcast.js'
import { shapeSize, type BinaryOp, type ConvOp, type MatMulOp, type MaxPoolOp, type Op, type PadOp } from './ir.js'
import { erf, gelu, layerNorm, softmax } from './nonlinearKernels.js'
import { forWindow, windowBounds } from './windows.js'

/**
 * The float64 semantics of one IR op: the kernel behind {@link evaluateFloat},
 * also used at import to evaluate ops whose inputs are constants. Each kernel
 * follows onnxruntime's (CPU) definition of the ONNX op it comes from.
 *
 * @param op - the op.
 * @param inputs - its input tensors, flattened, in the order of `opInputs(op)`.
 * @returns the output tensor, flattened.
 * @throws {GlassboxError} when an input's length does not fit the op (an inconsistent IR).
 * @example
 * applyOp({ kind: 'relu', name: 'r', input: 'x', output: 'y' }, [Float64Array.of(-1, 2)]) // [0, 2]
 */
export function applyOp(op: Op, inputs: readonly Float64Array[]): Float64Array {
  if (op.kind === 'concat') {
    inputs.forEach((x, i) => expectLength(op, x, undefined, i))
    const y = new Float64Array(op.source.length / 2)
    for (let i = 0; i < y.length; i++) y[i] = inputs[op.source[2 * i]!]![op.source[2 * i + 1]!]!
    return y
  }
  const x = inputs[0] ?? new Float64Array(0)
  switch (op.kind) {
    case 'dense': {
      expectLength(op, x, op.inFeatures)
      const y = new Float64Array(op.outFeatures)
      for (let j = 0; j < op.outFeatures; j++) {
        let acc = op.bias[j]!
        const row = j * op.inFeatures
        for (let i = 0; i < op.inFeatures; i++) acc += op.weight[row + i]! * x[i]!
        y[j] = acc
      }
      return y
    }
    case 'relu':
      return x.map((v) => (v > 0 ? v : 0))
    case 'affine':
      expectLength(op, x, op.scale.length)
      return x.map((v, i) => v * op.scale[i]! + op.shift[i]!)
    case 'conv':
      expectLength(op, x, shapeSize(op.inShape))
      return conv(op, x)
    case 'maxpool':
      expectLength(op, x, shapeSize(op.inShape))
      return maxPool(op, x)
    case 'pad':
      expectLength(op, x, shapeSize(op.inShape))
      return pad(op, x)
    case 'clip':
      return x.map((v) => Math.min(Math.max(v, op.min), op.max))
    case 'leakyrelu':
      return x.map((v) => (v < 0 ? op.alpha * v : v))
    case 'sigmoid':
      return x.map((v) => 1 / (1 + Math.exp(-v)))
    case 'tanh':
      return x.map((v) => Math.tanh(v))
    case 'permute': {
      // A gather: the output may be smaller (Slice) or larger (Resize) than the input.
      for (const s of op.source) if (s >= x.length) throw new GlassboxError(`IR permute op "${op.name}" reads element ${s} of its input, which has ${x.length}.`)
      const y = new Float64Array(op.source.length)
      for (let i = 0; i < y.length; i++) y[i] = x[op.source[i]!]!
      return y
    }
    case 'softmax':
      if (x.length % (op.axisSize * op.inner) !== 0) expectLength(op, x, op.axisSize * op.inner)
      return softmax(op, x)
    case 'layernorm':
      if (x.length % op.groupSize !== 0) expectLength(op, x, op.groupSize)
      return layerNorm(op, x)
    case 'gelu':
      return x.map((v) => gelu(v, op.approximate))
    case 'erf':
      return x.map(erf)
    case 'binary':
      return binary(op, x, inputs[1] ?? new Float64Array(0))
    case 'matmul':
      return matmul(op, x, inputs[1] ?? new Float64Array(0))
    default:
      return op satisfies never
  }
}

function expectLength(op: Op, x: Float64Array, expected: number | undefined, index = 0): void {
  if (op.kind === 'concat') {
    // Every index the map reads must exist.
    for (let i = 0; i < op.source.length; i += 2) {
      if (op.source[i] === index && op.source[i + 1]! >= x.length) {
        throw new GlassboxError(`IR concat op "${op.name}" reads element ${op.source[i + 1]} of its input ${index}, which has ${x.length}.`)
      }
    }
    return
  }
  if (x.length !== expected) throw new GlassboxError(`IR ${op.kind} op "${op.name}" expects ${expected} inputs, got ${x.length}.`)
}

function binary(op: BinaryOp, a: Float64Array, b: Float64Array): Float64Array {
  expectLength(op, a, shapeSize(op.aShape))
  expectLength(op, b, shapeSize(op.bShape), 1)
  const ia = broadcastIndex(op.aShape, op.outShape)
  const ib = broadcastIndex(op.bShape, op.outShape)
  const f = op.op === 'add' ? (u: number, v: number) => u + v : op.op === 'sub' ? (u: number, v: number) => u - v : (u: number, v: number) => u * v
  return Float64Array.from(ia, (i, j) => f(a[i]!, b[ib[j]!]!))
}

function matmul(op: MatMulOp, a: Float64Array, b: Float64Array): Float64Array {
  const { m, k, n } = op
  expectLength(op, a, shapeSize(op.aBatch) * m * k)
  expectLength(op, b, shapeSize(op.bBatch) * k * n, 1)
  const ta = broadcastIndex(op.aBatch, op.batch)
  const tb = broadcastIndex(op.bBatch, op.batch)
  const y = new Float64Array(ta.length * m * n)
  for (let t = 0; t < ta.length; t++) {
    const a0 = ta[t]! * m * k
    const b0 = tb[t]! * k * n
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0
        for (let l = 0; l < k; l++) acc += a[a0 + i * k + l]! * b[b0 + l * n + j]!
        y[(t * m + i) * n + j] = acc
      }
    }
  }
  return y
}

function conv(op: ConvOp, x: Float64Array): Float64Array {
  const [channels, height, width] = op.inShape
  const [outChannels, outH, outW] = op.outShape
  const [kh, kw] = op.kernel
  const inPerGroup = channels / op.group
  const outPerGroup = outChannels / op.group
  const y = new Float64Array(outChannels * outH * outW)
  for (let m = 0; m < outChannels; m++) {
    const firstChannel = Math.floor(m / outPerGroup) * inPerGroup
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let acc = op.bias[m]!
        for (let ci = 0; ci < inPerGroup; ci++) {
          const wBase = (m * inPerGroup + ci) * kh
          const xBase = (firstChannel + ci) * height
          const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(op, oh, ow)
          for (let i = iFrom; i < iTo; i++) {
            const wRow = (wBase + i) * kw
            const xRow = (xBase + h0 + i) * width + w0
            for (let j = jFrom; j < jTo; j++) acc += op.weight[wRow + j]! * x[xRow + j]!
          }
        }
        y[(m * outH + oh) * outW + ow] = acc
      }
    }
  }
  return y
}

function maxPool(op: MaxPoolOp, x: Float64Array): Float64Array {
  const [channels, height, width] = op.inShape
  const [, outH, outW] = op.outShape
  const y = new Float64Array(channels * outH * outW)
  for (let c = 0; c < channels; c++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let max = Number.NEGATIVE_INFINITY
        forWindow(op, oh, ow, (_i, _j, h, w) => {
          max = Math.max(max, x[(c * height + h) * width + w]!)
        })
        if (max === Number.NEGATIVE_INFINITY) throw new GlassboxError(`IR maxpool op "${op.name}" has a window (${oh}, ${ow}) entirely in the padding.`)
        y[(c * outH + oh) * outW + ow] = max
      }
    }
  }
  return y
}

function pad(op: PadOp, x: Float64Array): Float64Array {
  const [channels, height, width] = op.inShape
  const [, outH, outW] = op.outShape
  const [top, left] = op.pads
  const y = new Float64Array(channels * outH * outW)
  for (let c = 0; c < channels; c++) {
    for (let h = 0; h < height; h++) {
      const from = (c * height + h) * width
      y.set(x.subarray(from, from + width), (c * outH + h + top) * outW + left)
    }
  }
  return y
}
