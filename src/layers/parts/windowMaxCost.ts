import { forEachWindow, type WindowSpec } from '../../model/windows.js'

/**
 * Max-pool comparisons whose difference circom can see is zero lose their
 * product under --O2: the select becomes linear and is simplified away
 * (--O1 keeps it, as a linear constraint). That happens for a window with one
 * in-image position (it repeats it: max(a, a)), and, in a MaxPool2d over a
 * tensor with constant padding zeros (`constants`), for a run of comparisons
 * between constants at the start of a window. Returns how many comparisons
 * of a pool fold away at --O2.
 */
export function foldedComparisons(pool: WindowSpec & { outShape: readonly number[] }, constants: readonly boolean[] | undefined): number {
  const window = pool.kernel[0]! * pool.kernel[1]!
  let folded = 0
  forEachWindow(pool, (positions) => {
    if (positions.length === 1) {
      folded += window - 1
      return
    }
    if (!constants) return
    // A short window repeats its first position up to the kernel's size (as the templates do).
    const padded = [...positions, ...new Array<number>(window - positions.length).fill(positions[0]!)]
    let runningConstant = constants[padded[0]!] ?? false
    for (let t = 1; t < window; t++) {
      if (runningConstant && (constants[padded[t]!] ?? false)) folded++
      else runningConstant = false
    }
  })
  return folded
}
