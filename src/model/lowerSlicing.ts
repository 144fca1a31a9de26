/**
 * Slice, Gather (constant indices) and Split on computed tensors: each output
 * element is one input element chosen by constants, so they lower to a
 * `permute` (a gather by an index map: wiring, no constraints). The index map
 * is computed by running the constant kernels of lowerShapeOps.ts on the
 * element indices 0, 1, … of the input, so computed and constant tensors are
 * sliced by exactly the same rules (numpy clamping, negative steps and
 * indices). On constants these ops are evaluated at import.
 */
import type { ConstValue, DynamicValue, LoweringContext } from './lowering.js'
import { formatShape, sizeOf } from './lowering.js'
import { lowerGather as lowerGatherConstant, lowerSlice as lowerSliceConstant } from './lowerShapeOps.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

export function lowerSlice(ctx: LoweringContext): void {
  lowerByIndices(ctx, lowerSliceConstant)
}

export function lowerGather(ctx: LoweringContext): void {
  lowerByIndices(ctx, lowerGatherConstant)
}

/**
 * Runs a constant kernel on the element indices of a computed input 0 and
 * emits the resulting index map as a permute (the kernel's output shape is
 * the op's); on a constant input it runs the kernel itself.
 */
function lowerByIndices(ctx: LoweringContext, kernel: (ctx: LoweringContext) => void): void {
  const x = ctx.input(0)
  if (x.kind === 'const') {
    kernel(ctx)
    return
  }
  const result = onIndices(ctx, x, kernel)[0] ?? ctx.fail('it computes no output.')
  ctx.apply(x, { kind: 'permute', source: Int32Array.from(result.data) }, result.dims)
}

/** The outputs of `kernel` applied to a constant holding 0, 1, … in the shape of `x`. */
function onIndices(ctx: LoweringContext, x: DynamicValue, kernel: (ctx: LoweringContext) => void): ConstValue[] {
  const iota: ConstValue = { kind: 'const', dims: [...x.shape], data: Float64Array.from({ length: sizeOf(x.shape) }, (_, i) => i) }
  const outputs: ConstValue[] = []
  const proxy: LoweringContext = {
    ...ctx,
    input: (i) => (i === 0 ? iota : ctx.input(i)),
    optionalInput: (i) => (i === 0 ? iota : ctx.optionalInput(i)),
    constInput: (i, role) => (i === 0 ? iota : ctx.constInput(i, role)),
    setConst: (i, dims, data) => {
      outputs[i] = { kind: 'const', dims, data }
    },
  }
  kernel(proxy)
  return outputs
}

/**
 * Split along an axis into the node's outputs: sizes from the `split` input
 * (opset ≥ 13) or attribute, else equal parts (opset 18's `num_outputs`: the
 * last part may be smaller).
 */
export function lowerSplit(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', 0), shape.length)
  const length = shape[axis]!
  const outputs = ctx.node.output?.length ?? 0
  if (outputs === 0) ctx.fail('it has no outputs.')
  const given = ctx.opsetVersion >= 13 ? (ctx.optionalInput(1) ? Array.from(ctx.constInput(1, 'split').data) : undefined) : ctx.attrInts('split')
  let sizes: number[]
  if (given && given.length > 0) {
    sizes = given
    if (sizes.length !== outputs) ctx.fail(`it has ${outputs} outputs but ${sizes.length} split sizes.`)
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== length) {
      ctx.fail(`its split sizes [${sizes.join(', ')}] do not add up to ${length}, the length of axis ${axis} of ${formatShape(shape)}.`)
    }
  } else {
    const parts = ctx.attrInt('num_outputs', outputs)
    if (parts !== outputs) ctx.fail(`its num_outputs ${parts} differs from its ${outputs} outputs.`)
    const size = Math.ceil(length / parts)
    if (ctx.opsetVersion < 18 && length % parts !== 0) ctx.fail(`axis ${axis} of ${formatShape(shape)} does not split into ${parts} equal parts.`)
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, length - i * size)))
  }
  const outer = sizeOf(shape.slice(0, axis))
  const inner = sizeOf(shape.slice(axis + 1))
  let start = 0
  sizes.forEach((size, i) => {
    const dims = [...shape]
    dims[axis] = size
    const source = new Int32Array(outer * size * inner)
    let k = 0
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < size * inner; j++) source[k++] = (o * length + start) * inner + j
    }
    start += size
    if (x.kind === 'const') {
      ctx.setConst(i, dims, Float64Array.from(source, (s) => x.data[s]!))
    } else {
      const part = ctx.apply(x, { kind: 'permute', source }, dims, { step: `split${i}` })
      ctx.setView(i, part, dims)
    }
  })
}
