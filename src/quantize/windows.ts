import type { Chw, Pads2d } from '../model/ir.js'

/**
 * Calls `visit` for every output position of a 2-D window op (pooling), in
 * row-major [channel][y][x] order, with the flat input indices of the window
 * positions that fall inside the image (padding is never selected).
 */
export function forEachWindow(
  inShape: Chw | readonly number[],
  outShape: Chw | readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  pads: Pads2d | readonly number[],
  visit: (positions: number[], channel: number, y: number, x: number) => void,
): void {
  const [, h, w] = inShape as [number, number, number]
  const [c, oh, ow] = outShape as [number, number, number]
  const [kh, kw] = kernel as [number, number]
  const [sh, sw] = stride as [number, number]
  const [top, left] = pads as [number, number]
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < oh; y++)
      for (let x = 0; x < ow; x++) {
        const positions: number[] = []
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const yy = y * sh + i - top
            const xx = x * sw + j - left
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) positions.push((ch * h + yy) * w + xx)
          }
        visit(positions, ch, y, x)
      }
}

/** The value at (c, y, x) of a flattened CHW image, or undefined outside it (zero padding). */
export function valueAt<T>(values: readonly T[], shape: Chw | readonly number[], c: number, y: number, x: number): T | undefined {
  const [, h, w] = shape as [number, number, number]
  if (y < 0 || y >= h || x < 0 || x >= w) return undefined
  return values[(c * h + y) * w + x]
}
