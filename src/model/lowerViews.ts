/**
 * Ops that only re-label data. Tensors are stored flattened row-major, so a
 * view of a computed tensor emits no IR op, only a new shape; a view of a
 * constant is a constant. Constant nodes become import-time values. A
 * Transpose is a view when it moves only size-1 dims, otherwise a `permute`.
 */
import { decodeTensor } from './decodeTensor.js'
import { formatShape, sizeOf, type LoweringContext } from './lowering.js'

export function lowerConstant(ctx: LoweringContext): void {
  const attr = (name: string) => ctx.attribute(name)
  const tensor = attr('value')?.t
  if (tensor) {
    const { dims, data } = decodeTensor(tensor, `value of Constant node ${ctx.label}`)
    ctx.setConst(0, dims, data)
  } else if (attr('value_float')) {
    ctx.setConst(0, [], Float64Array.of(ctx.attrFloat('value_float', 0)))
  } else if (attr('value_int')) {
    ctx.setConst(0, [], Float64Array.of(ctx.attrInt('value_int', 0)))
  } else if (attr('value_floats')) {
    const values = attr('value_floats')?.floats ?? []
    ctx.setConst(0, [values.length], Float64Array.from(values))
  } else if (attr('value_ints')) {
    const values = ctx.attrInts('value_ints') ?? []
    ctx.setConst(0, [values.length], Float64Array.from(values))
  } else {
    ctx.fail('it has no numeric value (sparse and string constants are not supported).')
  }
}

/** Identity, and Dropout in inference mode (where it is the identity). */
export function lowerIdentity(ctx: LoweringContext): void {
  const x = ctx.input(0)
  ctx.setView(0, x, shapeOf(x))
  // Dropout's optional mask output is all ones at inference.
  if (ctx.opType === 'Dropout' && ctx.node.output?.[1]) {
    const shape = shapeOf(x)
    ctx.setConst(1, shape, new Float64Array(sizeOf(shape)).fill(1))
  }
}

export function lowerFlatten(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  // Flatten's axis ranges over [-rank, rank]: axis = rank flattens everything into dim 0.
  const raw = ctx.attrInt('axis', 1)
  const axis = raw < 0 ? raw + shape.length : raw
  if (axis < 0 || axis > shape.length) ctx.fail(`its axis ${raw} is out of range for rank ${shape.length}.`)
  ctx.setView(0, x, [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))])
}

export function lowerReshape(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  // Opset ≥ 5 takes the target shape as an input; older models as an attribute.
  const target = ctx.optionalInput(1) ? Array.from(ctx.constInput(1, 'shape').data) : ctx.attrInts('shape')
  if (!target) ctx.fail('it has no target shape.')
  const allowZero = ctx.attrInt('allowzero', 0) !== 0
  const out = target.map((d, i) => (d === 0 && !allowZero ? (shape[i] ?? ctx.fail(`its target ${formatShape(target)} copies dim ${i}, which the input ${formatShape(shape)} lacks.`)) : d))
  const unknown = out.filter((d) => d === -1).length
  if (unknown > 1) ctx.fail(`its target ${formatShape(target)} has more than one -1.`)
  if (unknown === 1) {
    const known = sizeOf(out.filter((d) => d !== -1))
    const inferred = sizeOf(shape) / known
    if (!Number.isInteger(inferred)) ctx.fail(`the input ${formatShape(shape)} cannot be reshaped to ${formatShape(target)}.`)
    out[out.indexOf(-1)] = inferred
  }
  if (sizeOf(out) !== sizeOf(shape)) ctx.fail(`the input ${formatShape(shape)} (${sizeOf(shape)} values) cannot be reshaped to ${formatShape(out)}.`)
  ctx.setView(0, x, out)
}

export function lowerSqueeze(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const axes = readAxes(ctx)?.map((a) => normalizeAxis(ctx, a, shape.length))
  for (const a of axes ?? []) if (shape[a] !== 1) ctx.fail(`it squeezes axis ${a} of ${formatShape(shape)}, which is not 1.`)
  ctx.setView(0, x, shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)))
}

export function lowerUnsqueeze(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const rawAxes = readAxes(ctx) ?? ctx.fail('it has no axes.')
  const rank = shape.length + rawAxes.length
  const axes = rawAxes.map((a) => normalizeAxis(ctx, a, rank))
  const out: number[] = []
  const rest = [...shape]
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : (rest.shift() ?? 1))
  ctx.setView(0, x, out)
}

export function lowerTranspose(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const rank = shape.length
  const perm = ctx.attrInts('perm') ?? shape.map((_, i) => rank - 1 - i)
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    ctx.fail(`its perm ${formatShape(perm)} is not a permutation of the ${rank} axes of ${formatShape(shape)}.`)
  }
  const outShape = perm.map((p) => shape[p]!)
  // Dims of size 1 hold no data: if the others keep their order, the bytes do not move.
  const moved = perm.filter((p) => shape[p] !== 1)
  if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) {
    ctx.setView(0, x, outShape)
    return
  }
  ctx.apply(x, { kind: 'permute', source: transposeSource(shape, perm) }, outShape)
}

/** For each element of the transposed tensor (row-major), its index in the source. */
export function transposeSource(shape: readonly number[], perm: readonly number[]): Int32Array {
  const strides = new Array<number>(shape.length).fill(1)
  for (let a = shape.length - 2; a >= 0; a--) strides[a] = strides[a + 1]! * shape[a + 1]!
  const outShape = perm.map((p) => shape[p]!)
  const outStrides = perm.map((p) => strides[p]!)
  const source = new Int32Array(sizeOf(shape))
  const index = new Array<number>(shape.length).fill(0)
  let from = 0
  for (let flat = 0; flat < source.length; flat++) {
    source[flat] = from
    for (let a = outShape.length - 1; a >= 0; a--) {
      index[a] = index[a]! + 1
      from += outStrides[a]!
      if (index[a]! < outShape[a]!) break
      from -= outStrides[a]! * outShape[a]!
      index[a] = 0
    }
  }
  return source
}

/** Axes from input 1 (opset ≥ 13) or the `axes` attribute (older opsets). */
function readAxes(ctx: LoweringContext): number[] | undefined {
  if (ctx.optionalInput(1)) return Array.from(ctx.constInput(1, 'axes').data)
  return ctx.attrInts('axes')
}

/** Maps a possibly negative axis into [0, rank). */
export function normalizeAxis(ctx: LoweringContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis
  if (a < 0 || a >= rank) ctx.fail(`its axis ${axis} is out of range for rank ${rank}.`)
  return a
}

export function shapeOf(value: { kind: 'const'; dims: number[] } | { kind: 'dynamic'; shape: number[] }): number[] {
  return value.kind === 'const' ? value.dims : value.shape
}
