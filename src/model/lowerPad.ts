/**
 * Pad, constant mode. On a computed image it must pad H and W only, with 0:
 * it becomes a `pad` op, which the fold pass merges into a following conv
 * (including an AveragePool's, where ONNX counts the explicit zeros in the
 * average exactly as a conv's zero padding does). On a constant any rank and
 * value is evaluated.
 */
import { formatShape, sizeOf, type LoweringContext } from './lowering.js'
import { shapeOf } from './lowerViews.js'

export function lowerPad(ctx: LoweringContext): void {
  const x = ctx.input(0)
  const shape = shapeOf(x)
  const rank = shape.length
  const mode = ctx.attrString('mode', 'constant')
  if (mode !== 'constant') {
    ctx.fail(`it pads in "${mode}" mode; glassbox supports constant (zero) padding only.`, 'Re-export with zero padding (e.g. padding_mode="zeros" in PyTorch).')
  }
  // Opset 11 moved pads and the value from attributes to inputs; opset 18 added axes.
  const oldStyle = ctx.opsetVersion < 11
  const rawPads = oldStyle ? (ctx.attrInts('pads') ?? ctx.fail('it has no pads.')) : Array.from(ctx.constInput(1, 'pads').data)
  const valueInput = oldStyle ? undefined : ctx.optionalInput(2)
  if (valueInput && valueInput.kind !== 'const') ctx.fail('its constant_value is computed from the model input; glassbox needs a constant.')
  const value = oldStyle ? ctx.attrFloat('value', 0) : (valueInput?.data[0] ?? 0)
  const axesInput = oldStyle ? undefined : ctx.optionalInput(3)
  if (axesInput && axesInput.kind !== 'const') ctx.fail('its axes are computed from the model input; glassbox needs constants.')
  const axes = axesInput ? Array.from(axesInput.data, (a) => (a < 0 ? a + rank : a)) : shape.map((_, i) => i)
  if (rawPads.length !== 2 * axes.length) ctx.fail(`its pads ${formatShape(rawPads)} do not have two values for each of ${axes.length} axes.`)
  const begin = new Array<number>(rank).fill(0)
  const end = new Array<number>(rank).fill(0)
  axes.forEach((axis, i) => {
    if (axis < 0 || axis >= rank) ctx.fail(`its axis ${axis} is out of range for rank ${rank}.`)
    begin[axis] = rawPads[i]!
    end[axis] = rawPads[i + axes.length]!
  })
  if ([...begin, ...end].some((p) => p < 0)) ctx.fail(`its pads ${formatShape(rawPads)} crop (negative pads); glassbox supports padding only.`)
  const outDims = shape.map((d, i) => d + begin[i]! + end[i]!)
  if (x.kind === 'const') {
    ctx.setConst(0, outDims, padConstant(x.data, shape, begin, outDims, value))
    return
  }
  if (value !== 0) ctx.fail(`it pads with ${value}; glassbox supports zero padding of computed tensors only.`)
  if (begin.every((p) => p === 0) && end.every((p) => p === 0)) {
    ctx.setView(0, x, outDims)
    return
  }
  if (rank !== 4 || begin[0] !== 0 || end[0] !== 0 || begin[1] !== 0 || end[1] !== 0) {
    ctx.fail(`it pads ${formatShape(shape)} by ${formatShape(rawPads)}; glassbox pads images [1, C, H, W] along H and W only.`)
  }
  const [, c, h, w] = shape as [number, number, number, number]
  ctx.apply(x, { kind: 'pad', inShape: [c, h, w], outShape: [c, outDims[2]!, outDims[3]!], pads: [begin[2]!, begin[3]!, end[2]!, end[3]!] }, outDims)
}

/** Row-major constant padding of any rank. */
function padConstant(data: Float64Array, dims: readonly number[], begin: readonly number[], outDims: readonly number[], value: number): Float64Array {
  const out = new Float64Array(sizeOf(outDims)).fill(value)
  const index = new Array<number>(dims.length).fill(0)
  for (let flat = 0; flat < data.length; flat++) {
    let target = 0
    for (let axis = 0; axis < dims.length; axis++) target = target * outDims[axis]! + index[axis]! + begin[axis]!
    out[target] = data[flat]!
    for (let axis = dims.length - 1; axis >= 0; axis--) {
      index[axis] = index[axis]! + 1
      if (index[axis]! < dims[axis]!) break
      index[axis] = 0
    }
  }
  return out
}
