/**
 * Shape arithmetic that exporters emit around Reshape (e.g. PyTorch's
 * `x.view(x.size(0), -1)` becomes Shape → Gather → Unsqueeze → Concat →
 * Reshape). Every shape is static after import, so these evaluate to
 * constants; on computed values they are outside the op set.
 */
import onnxProto from 'onnx-proto'
import { formatShape, sizeOf, type ConstValue, type LoweringContext } from './lowering.js'
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

export function lowerConcat(ctx: LoweringContext): void {
  const count = ctx.node.input?.length ?? 0
  const parts: ConstValue[] = []
  for (let i = 0; i < count; i++) parts.push(ctx.constInput(i, `input ${i}`))
  const first = parts[0] ?? ctx.fail('it has no inputs.')
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), first.dims.length)
  for (const p of parts) {
    const same = p.dims.length === first.dims.length && p.dims.every((d, i) => i === axis || d === first.dims[i])
    if (!same) ctx.fail(`its inputs ${parts.map((q) => formatShape(q.dims)).join(', ')} do not match outside axis ${axis}.`)
  }
  const outer = sizeOf(first.dims.slice(0, axis))
  const out = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0))
  let k = 0
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const block = p.data.length / outer
      out.set(p.data.subarray(o * block, (o + 1) * block), k)
      k += block
    }
  }
  const dims = [...first.dims]
  dims[axis] = parts.reduce((n, p) => n + p.dims[axis]!, 0)
  ctx.setConst(0, dims, out)
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
