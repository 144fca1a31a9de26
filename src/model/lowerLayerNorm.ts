/**
 * ONNX LayerNormalization (opset 17): normalizes over the dims from `axis`
 * (default −1) on, with Scale (gamma) and the optional B (beta) broadcast to
 * those dims. The decomposed form older exporters emit (ReduceMean, Sub, Pow,
 * ReduceMean, Add ε, Sqrt, Div, Mul γ, Add β) reaches this lowering too, as
 * the node {@link fuseOnnxPatterns} puts in its place (which may omit Scale:
 * gamma = 1, and names how many axes the ReduceMeans reduced).
 */
import { broadcastTo } from './broadcast.js'
import { formatShape, sizeOf, type LoweringContext } from './lowering.js'
import { normalizeAxis, shapeOf } from './lowerViews.js'

/** Attribute of a fused LayerNormalization: the number of axes its ReduceMeans reduce (they must be the trailing ones). */
export const FUSED_AXES_ATTRIBUTE = 'glassbox_reduced_axes'

export function lowerLayerNormalization(ctx: LoweringContext): void {
  const x = ctx.input(0)
  if (x.kind === 'const') ctx.fail('it is applied to a constant.', 'A constant LayerNormalization is not a model computation; re-export the model.')
  const shape = shapeOf(x)
  const axis = normalizeAxis(ctx, ctx.attrInt('axis', -1), Math.max(shape.length, 1))
  const reduced = ctx.attrInt(FUSED_AXES_ATTRIBUTE, 0)
  if (reduced > 0 && reduced !== shape.length - axis) {
    ctx.fail(`its ReduceMeans reduce ${reduced} axes from axis ${axis} of ${formatShape(shape)}, which are not the trailing ones.`, 'glassbox recognises the decomposed LayerNorm over the trailing axes only.')
  }
  const normalized = shape.slice(axis)
  const groupSize = sizeOf(normalized)
  const expand = (i: number, role: string, fallback: number): Float64Array => {
    if (!ctx.optionalInput(i)) return new Float64Array(groupSize).fill(fallback)
    const c = ctx.constInput(i, role)
    if (sizeOf(c.dims) !== c.data.length) ctx.fail(`its ${role} has ${c.data.length} values for the shape ${formatShape(c.dims)}.`)
    // Unidirectional broadcast to the normalized dims (a scalar, or the trailing dims).
    const dims = c.dims.length > normalized.length ? c.dims.slice(c.dims.length - normalized.length) : c.dims
    if (sizeOf(dims) !== c.data.length || dims.some((d, k) => d !== 1 && d !== normalized[normalized.length - dims.length + k])) {
      ctx.fail(`its ${role} ${formatShape(c.dims)} does not broadcast to the normalized dims ${formatShape(normalized)}.`)
    }
    return broadcastTo(c.data, dims, normalized)
  }
  const gamma = expand(1, 'Scale', 1)
  const beta = expand(2, 'B', 0)
  const epsilon = ctx.attrFloat('epsilon', 1e-5)
  if (!(epsilon > 0)) ctx.fail(`its epsilon ${epsilon} is not positive.`, 'glassbox needs ε > 0: the reciprocal square root of a zero variance is undefined.')
  ctx.setUnavailable(1, 'the Mean output of LayerNormalization, which glassbox does not compute (only the normalized output).')
  ctx.setUnavailable(2, 'the InvStdDev output of LayerNormalization, which glassbox does not compute (only the normalized output).')
  ctx.apply(x, { kind: 'layernorm', groupSize, gamma, beta, epsilon }, shape)
}
