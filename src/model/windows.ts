/**
 * The geometry of sliding windows (conv, pools) and zero padding over a
 * flattened [C][H][W] image, in one place: the float IR, the integer
 * evaluator and the constraint estimates all walk windows the same way, and
 * the circuit templates (ConvChannel, MaxPool2d) visit positions in this
 * same row-major order.
 */

/** A window op over an image: input shape [C, H, W], kernel, stride and [top, left, bottom, right] pads. */
export type WindowSpec = {
  inShape: readonly number[]
  kernel: readonly number[]
  stride: readonly number[]
  pads: readonly number[]
}

/**
 * The in-image part of output (oh, ow)'s window: kernel rows i in [iFrom, iTo)
 * read image row h0 + i, kernel columns j in [jFrom, jTo) image column w0 + j.
 * Hot loops (conv in the float and integer evaluators) iterate these bounds
 * directly instead of calling a visitor per position.
 */
export type WindowBounds = { h0: number; w0: number; iFrom: number; iTo: number; jFrom: number; jTo: number }

export function windowBounds(spec: WindowSpec, oh: number, ow: number): WindowBounds {
  const [, height, width] = spec.inShape as [number, number, number]
  const [kh, kw] = spec.kernel as [number, number]
  const h0 = oh * spec.stride[0]! - spec.pads[0]!
  const w0 = ow * spec.stride[1]! - spec.pads[1]!
  return { h0, w0, iFrom: Math.max(0, -h0), iTo: Math.min(kh, height - h0), jFrom: Math.max(0, -w0), jTo: Math.min(kw, width - w0) }
}

/**
 * Calls `visit(i, j, h, w)` for every position (i, j) of output (oh, ow)'s
 * window that falls inside the image, at image row h and column w, row-major.
 * Padding is skipped: it reads zero (conv) or is never selected (max pool).
 */
export function forWindow(spec: WindowSpec, oh: number, ow: number, visit: (i: number, j: number, h: number, w: number) => void): void {
  const { h0, w0, iFrom, iTo, jFrom, jTo } = windowBounds(spec, oh, ow)
  for (let i = iFrom; i < iTo; i++) {
    for (let j = jFrom; j < jTo; j++) visit(i, j, h0 + i, w0 + j)
  }
}

/**
 * Calls `visit` for every output position of a pooling op, in row-major
 * [channel][y][x] order, with the flat input indices of its window's
 * in-image positions.
 */
export function forEachWindow(spec: WindowSpec & { outShape: readonly number[] }, visit: (positions: number[], channel: number, y: number, x: number) => void): void {
  const [, height, width] = spec.inShape as [number, number, number]
  const [channels, outH, outW] = spec.outShape as [number, number, number]
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++) {
        const positions: number[] = []
        forWindow(spec, y, x, (_i, _j, h, w) => positions.push((c * height + h) * width + w))
        visit(positions, c, y, x)
      }
}

/**
 * For each element of a zero-padded image, the flat index of the input
 * element it copies, or -1 where it is padding.
 */
export function padSources(inShape: readonly number[], outShape: readonly number[], pads: readonly number[]): Int32Array {
  const [, height, width] = inShape as [number, number, number]
  const [channels, outH, outW] = outShape as [number, number, number]
  const [top, left] = pads as [number, number]
  const sources = new Int32Array(channels * outH * outW)
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < outH; y++)
      for (let x = 0; x < outW; x++) {
        const h = y - top
        const w = x - left
        sources[(c * outH + y) * outW + x] = h >= 0 && h < height && w >= 0 && w < width ? (c * height + h) * width + w : -1
      }
  return sources
}
