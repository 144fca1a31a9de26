/**
 * ONNX (numpy-style) multidirectional broadcasting on flattened row-major
 * tensors: shapes are right-aligned and each dimension pair must be equal or
 * contain a 1.
 */

/** The broadcast shape of `a` and `b`, or `undefined` if they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length)
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    if (da !== db && da !== 1 && db !== 1) return undefined
    out.push(da === 1 ? db : da)
  }
  return out
}

/**
 * Expands `data` (shape `dims`) to `target`, which must be a broadcast of `dims`
 * (check with {@link broadcastShapes} first).
 */
export function broadcastTo(data: Float64Array, dims: readonly number[], target: readonly number[]): Float64Array {
  const size = target.reduce((a, b) => a * b, 1)
  if (data.length === size && dims.length <= target.length && sameTail(dims, target)) return data.slice()
  // Source stride per target axis; 0 where the source is broadcast along that axis.
  const strides = new Array<number>(target.length).fill(0)
  let stride = 1
  for (let i = dims.length - 1; i >= 0; i--) {
    const axis = target.length - dims.length + i
    const d = dims[i] ?? 1
    strides[axis] = d === 1 ? 0 : stride
    stride *= d
  }
  const out = new Float64Array(size)
  const index = new Array<number>(target.length).fill(0)
  for (let flat = 0; flat < size; flat++) {
    let src = 0
    for (let axis = 0; axis < target.length; axis++) src += (index[axis] ?? 0) * (strides[axis] ?? 0)
    out[flat] = data[src] ?? 0
    // Advance the multi-index like an odometer.
    for (let axis = target.length - 1; axis >= 0; axis--) {
      index[axis] = (index[axis] ?? 0) + 1
      if (index[axis]! < (target[axis] ?? 1)) break
      index[axis] = 0
    }
  }
  return out
}

function sameTail(dims: readonly number[], target: readonly number[]): boolean {
  return dims.every((d, i) => d === target[target.length - dims.length + i])
}

/**
 * For each element of `target` (row-major), the index of the element of a
 * tensor of shape `dims` that broadcasting reads there. `target` must be a
 * broadcast of `dims` (check with {@link broadcastShapes} first).
 *
 * @example
 * broadcastIndex([2, 1], [2, 3]) // [0, 0, 0, 1, 1, 1]
 */
export function broadcastIndex(dims: readonly number[], target: readonly number[]): Int32Array {
  const iota = Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i)
  return Int32Array.from(broadcastTo(iota, dims, target))
}
