/**
 * Shape arithmetic that exporters emit around Reshape and Pad (e.g. PyTorch's
 * `x.view(x.size(0), -1)` becomes Shape → Gather → Unsqueeze → Concat →
 * Reshape, and `F.pad` ConstantOfShape → Concat → Reshape → Slice →
 * Transpose → Reshape → Cast → Pad). Every shape is static after import, so
 * these evaluate to constants; on computed values only Concat (→ `concat`)
 * and Cast to float (a view) are in the op set.
 */
import onnxProto from 'onnx-proto'
import { decodeTensor } from './decodeTensor.js'
import { formatShape, sizeOf, type ConstValue, type DynamicValue, type LoweringContext, type Value } from './lowering.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

const DataType = onnxProto.onnx.TensorProto.DataType

export function lowerShape(ctx: LoweringContext): void {
  const shape = shapeOf(ctx.input(0))
  // Opset 15 added start/end to slice the shape.
  const start = clampAxis(ctx.attrInt('start', 0), shape.length)
  const end = clampAxis(ctx.attrInt('end', shape.length), shape.length)
  const dims = shape.slice(start, Math.max(start, end))
  ctx.setConst(0, [dims.length], Float64Array.from(dims))
}

export function lowerGather(ctx: LoweringContext): void {
  const data = ctx.constInput(0, 'data')
  const indices = ctx.constInput(1, 'indices')
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), data.dims.length)
  const axisLength = data.dims[axis]!
  const outer = sizeOf(data.dims.slice(0, axis))
  const inner = sizeOf(data.dims.slice(axis + 1))
  const out = new Float64Array(outer * indices.data.length * inner)
  let k = 0
  for (let o = 0; o < outer; o++) {
    for (const raw of indices.data) {
      const index = raw < 0 ? raw + axisLength : raw
      if (index < 0 || index >= axisLength) ctx.fail(`its index ${raw} is out of range for axis ${axis} of ${formatShape(data.dims)}.`)
      const from = (o * axisLength + index) * inner
      out.set(data.data.subarray(from, from + inner), k)
      k += inner
    }
  }
  ctx.setConst(0, [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)], out)
}

/**
 * Concat: of constants, evaluated; of computed tensors, a `concat` op with
 * the axis resolved into an index map; a mix of both is refused.
 */
export function lowerConcat(ctx: LoweringContext): void {
  const count = ctx.node.input?.length ?? 0
  const parts: Value[] = []
  for (let i = 0; i < count; i++) parts.push(ctx.input(i))
  const first = parts[0] ?? ctx.fail('it has no inputs.')
  const shapes = parts.map(shapeOf)
  const firstShape = shapes[0]!
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), firstShape.length)
  for (const s of shapes) {
    const same = s.length === firstShape.length && s.every((d, i) => i === axis || d === firstShape[i])
    if (!same) ctx.fail(`its inputs ${shapes.map(formatShape).join(', ')} do not match outside axis ${axis}.`)
  }
  const dims = [...firstShape]
  dims[axis] = shapes.reduce((n, s) => n + s[axis]!, 0)
  const outer = sizeOf(firstShape.slice(0, axis))
  const blocks = shapes.map((s) => sizeOf(s.slice(axis)))
  if (parts.every((p): p is ConstValue => p.kind === 'const')) {
    const out = new Float64Array(sizeOf(dims))
    let k = 0
    for (let o = 0; o < outer; o++) {
      parts.forEach((p, i) => {
        out.set(p.data.subarray(o * blocks[i]!, (o + 1) * blocks[i]!), k)
        k += blocks[i]!
      })
    }
    ctx.setConst(0, dims, out)
    return
  }
  const constant = parts.findIndex((p) => p.kind === 'const')
  if (constant >= 0) {
    ctx.fail(
      `it joins computed tensors with the constant input ${constant} ("${ctx.node.input?.[constant]}"); glassbox concatenates computed tensors only.`,
      `Re-export the model without concatenating constants to activations (or fold them into the next layer's bias). The first input is ${first.kind === 'const' ? 'constant' : 'computed'}.`,
    )
  }
  const source = new Int32Array(2 * sizeOf(dims))
  let k = 0
  for (let o = 0; o < outer; o++) {
    blocks.forEach((block, i) => {
      for (let j = 0; j < block; j++, k += 2) {
        source[k] = i
        source[k + 1] = o * block + j
      }
    })
  }
  ctx.emitConcat(parts as DynamicValue[], source, dims)
}

/** ConstantOfShape: a constant tensor of the given shape filled with `value` (default float 0). */
export function lowerConstantOfShape(ctx: LoweringContext): void {
  const dims = Array.from(ctx.constInput(0, 'shape').data)
  const t = ctx.attribute('value')?.t
  const value = t ? (decodeTensor(t, `value of ConstantOfShape node ${ctx.label}`).data[0] ?? 0) : 0
  ctx.setConst(0, dims, new Float64Array(sizeOf(dims)).fill(value))
}

/**
 * Slice of a constant (PyTorch's padding and shape arithmetic uses it, with
 * negative steps and "infinite" ends). Starts/ends clamp as in numpy.
 */
export function lowerSlice(ctx: LoweringContext): void {
  const x = ctx.input(0)
  if (x.kind !== 'const') {
    ctx.fail('it slices a computed tensor; glassbox evaluates Slice on constants only.', 'Re-export the model without slicing activations (e.g. without x[:, :n]).')
  }
  const rank = x.dims.length
  // Opset 10 moved starts/ends/axes to inputs and added steps.
  const read = (i: number, attrName: string) => {
    if (ctx.opsetVersion < 10) return ctx.attrInts(attrName)
    const v = ctx.optionalInput(i)
    if (v && v.kind !== 'const') ctx.fail(`its ${attrName} are computed from the model input.`)
    return v ? Array.from(v.data) : undefined
  }
  const starts = read(1, 'starts') ?? ctx.fail('it has no starts.')
  const ends = read(2, 'ends') ?? ctx.fail('it has no ends.')
  const axes = (read(3, 'axes') ?? starts.map((_, i) => i)).map((a) => normalizeAxis(ctx, a, rank))
  const steps = read(4, 'steps') ?? starts.map(() => 1)
  const ranges = x.dims.map((d) => ({ start: 0, step: 1, count: d }))
  axes.forEach((axis, i) => {
    const d = x.dims[axis]!
    const step = steps[i] ?? 1
    if (step === 0) ctx.fail('it has a step of 0.')
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi)
    const start = step > 0 ? clamp(starts[i]!, 0, d) : clamp(starts[i]!, 0, d - 1)
    const end = step > 0 ? clamp(ends[i]!, 0, d) : clamp(ends[i]!, -1, d - 1)
    ranges[axis] = { start, step, count: Math.max(0, Math.ceil((end - start) / step)) }
  })
  const outDims = ranges.map((r) => r.count)
  const strides = x.dims.map((_, a) => sizeOf(x.dims.slice(a + 1)))
  const out = new Float64Array(sizeOf(outDims))
  const index = new Array<number>(rank).fill(0)
  for (let flat = 0; flat < out.length; flat++) {
    let from = 0
    for (let a = 0; a < rank; a++) from += (ranges[a]!.start + index[a]! * ranges[a]!.step) * strides[a]!
    out[flat] = x.data[from]!
    for (let a = rank - 1; a >= 0; a--) {
      index[a] = index[a]! + 1
      if (index[a]! < outDims[a]!) break
      index[a] = 0
    }
  }
  ctx.setConst(0, outDims, out)
}

/** Cast of a constant converts its values; of a computed float tensor to float it is a view. */
export function lowerCast(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const to = ctx.attrInt('to', DataType.FLOAT)
  const toFloat = to === DataType.FLOAT || to === DataType.DOUBLE
  if (x.kind === 'dynamic') {
    if (!toFloat) ctx.fail(`it casts a computed tensor to ${DataType[to] ?? to}; glassbox computes in float only.`)
    ctx.setView(0, x, x.shape)
    return
  }
  const convert = toFloat ? (v: number) => (to === DataType.FLOAT ? Math.fround(v) : v) : to === DataType.BOOL ? (v: number) => (v !== 0 ? 1 : 0) : Math.trunc
  ctx.setConst(0, x.dims, x.data.map(convert))
}

function clampAxis(axis: number, rank: number): number {
  return Math.min(Math.max(axis < 0 ? axis + rank : axis, 0), rank)
}
