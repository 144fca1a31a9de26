/**
 * Elementwise ops. Arithmetic with one constant operand lowers to `affine`
 * (y = x·scale + shift), which the fold pass later merges into a neighbouring
 * dense or conv op; arithmetic on two constants is evaluated at import.
 */
import { broadcastShapes, broadcastTo } from './broadcast.js'
import { formatShape, sizeOf, type ConstValue, type DynamicValue, type LoweringContext } from './lowering.js'

type Arithmetic = 'Add' | 'Sub' | 'Mul' | 'Div'

const EVALUATE: Record<Arithmetic, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
}

export function lowerAdd(ctx: LoweringContext): void {
  lowerArithmetic(ctx, 'Add')
}
export function lowerSub(ctx: LoweringContext): void {
  lowerArithmetic(ctx, 'Sub')
}
export function lowerMul(ctx: LoweringContext): void {
  lowerArithmetic(ctx, 'Mul')
}
export function lowerDiv(ctx: LoweringContext): void {
  lowerArithmetic(ctx, 'Div')
}

function lowerArithmetic(ctx: LoweringContext, op: Arithmetic): void {
  const a = ctx.input(0)
  const b = ctx.input(1)
  if (a.kind === 'const' && b.kind === 'const') {
    const shape = broadcastShapes(a.dims, b.dims)
    if (!shape) ctx.fail(`its constant inputs ${formatShape(a.dims)} and ${formatShape(b.dims)} do not broadcast.`)
    const x = broadcastTo(a.data, a.dims, shape)
    const y = broadcastTo(b.data, b.dims, shape)
    ctx.setConst(0, shape, x.map((v, i) => EVALUATE[op](v, y[i]!)))
    return
  }
  if (a.kind === 'dynamic' && b.kind === 'dynamic') {
    // Add/Sub/Mul of two computed tensors are `binary` ops (lowerBinary.ts); what reaches here is Div.
    ctx.fail(
      `both inputs of ${op} are computed from the model input; glassbox supports ${op} with a constant divisor only.`,
      'A division of two activations is not in glassbox\'s op set. Re-export dividing by a constant.',
    )
  }
  const [x, c, constFirst] = a.kind === 'dynamic' ? [a, b as ConstValue, false] : [b as DynamicValue, a, true]
  const cFull = expandConstant(ctx, x, c)
  const n = cFull.length
  let scale: Float64Array = new Float64Array(n).fill(1)
  let shift: Float64Array = new Float64Array(n)
  switch (op) {
    case 'Add':
      shift = cFull
      break
    case 'Sub':
      // x − c, or c − x.
      if (constFirst) {
        scale.fill(-1)
        shift = cFull
      } else {
        shift = cFull.map((v) => -v)
      }
      break
    case 'Mul':
      scale = cFull
      break
    case 'Div':
      if (constFirst) ctx.fail('it divides a constant by a computed tensor (c / x), which is not linear; glassbox supports x / c only.')
      if (cFull.some((v) => v === 0)) ctx.fail('it divides by a constant that contains 0.')
      scale = cFull.map((v) => 1 / v)
      break
    default:
      op satisfies never
  }
  ctx.apply(x, { kind: 'affine', scale, shift }, x.shape)
}

/** The constant broadcast to the computed tensor's shape; it must not enlarge the tensor. */
function expandConstant(ctx: LoweringContext, x: DynamicValue, c: ConstValue): Float64Array {
  const shape = broadcastShapes(x.shape, c.dims)
  if (!shape) ctx.fail(`the constant ${formatShape(c.dims)} does not broadcast to its input ${formatShape(x.shape)}.`)
  if (sizeOf(shape) !== sizeOf(x.shape)) {
    ctx.fail(`the constant ${formatShape(c.dims)} would broadcast its input ${formatShape(x.shape)} up to ${formatShape(shape)}; glassbox keeps elementwise ops shape-preserving.`)
  }
  // Equal sizes mean x only gains leading 1s, so its row-major order is unchanged.
  return broadcastTo(c.data, c.dims, x.shape.length >= shape.length ? x.shape : shape)
}

/**
 * BatchNormalization in inference mode is a per-channel affine map
 * (channels on axis 1): y = (x − mean)/√(var + ε)·scale + B. The fold pass
 * merges it into a neighbouring Conv/Gemm (per output channel) when there is one.
 */
export function lowerBatchNormalization(ctx: LoweringContext): void {
  if (ctx.attrInt('training_mode', 0) !== 0) ctx.fail('it is in training mode.', 'Export the model in eval mode (model.eval()).')
  const x = ctx.input(0)
  const [gamma, beta, mean, variance] = (['scale', 'B', 'mean', 'var'] as const).map((role, i) => ctx.constInput(i + 1, role)) as [ConstValue, ConstValue, ConstValue, ConstValue]
  const epsilon = ctx.attrFloat('epsilon', 1e-5)
  const shape = x.kind === 'const' ? x.dims : x.shape
  const channels = shape[1]
  if (shape.length < 2 || channels === undefined) ctx.fail(`its input ${formatShape(shape)} has no channel axis.`)
  for (const p of [gamma, beta, mean, variance]) {
    if (p.data.length !== channels) ctx.fail(`its parameters have ${p.data.length} values for ${channels} channels.`)
  }
  const a = gamma.data.map((g, i) => g / Math.sqrt(variance.data[i]! + epsilon))
  const c = beta.data.map((b, i) => b - mean.data[i]! * a[i]!)
  // Per-channel values as [C, 1, 1, …] broadcast against [N, C, H, W, …].
  const channelDims = [channels, ...shape.slice(2).map(() => 1)]
  const scale = broadcastTo(a, channelDims, shape)
  const shift = broadcastTo(c, channelDims, shape)
  ctx.apply(x, { kind: 'affine', scale, shift }, shape.slice())
}
