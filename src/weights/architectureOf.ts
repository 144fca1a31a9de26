import { createHash } from 'node:crypto'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import type { WeightSegment } from './weightLayout.js'
import { weightLayout } from './weightLayout.js'

/**
 * The architecture of a fixed-point model: everything the circuit is made
 * of except the weight values: layer kinds, names, shapes, scales, shifts,
 * bit widths, activation constants, each weight array by its length. Model
 * name and calibration statistics are not part of it (they change nothing in
 * the circuit). Pure.
 */
export function architectureOf(model: FixedPointModel): Record<string, unknown> {
  // The fields that are the weight set (the layout's segments) are replaced by their lengths.
  const weighted = new Map<number, WeightSegment[]>()
  for (const segment of weightLayout(model).segments) weighted.set(segment.layerIndex, [...(weighted.get(segment.layerIndex) ?? []), segment])
  return {
    format: model.format,
    bits: model.bits,
    weightBits: model.weightBits,
    input: model.input,
    output: model.output,
    droppedOutputOps: model.droppedOutputOps,
    layers: model.layers.map((layer, index) => {
      const entry: Record<string, unknown> = { ...layer }
      for (const { field, count } of weighted.get(index) ?? []) entry[field] = count
      return entry
    }),
  }
}

/** SHA-256 (hex) of {@link architectureOf} in canonical JSON (sorted keys). */
export function architectureHash(model: FixedPointModel): string {
  return createHash('sha256').update(canonicalJson(architectureOf(model))).digest('hex')
}

/**
 * Where two architectures differ, as readable lines (`layers[2] (fc2).shift: 7 ≠ 8`), at most `limit`.
 * Empty when they are the same.
 */
export function architectureDifferences(expected: FixedPointModel, actual: FixedPointModel, limit = 8): string[] {
  const a = architectureOf(expected)
  const b = architectureOf(actual)
  const found: string[] = []
  const walk = (x: unknown, y: unknown, path: string) => {
    if (found.length >= limit) return
    if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)])
      for (const key of keys) walk((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], Array.isArray(x) ? `${path}[${key}]` : `${path}.${key}`)
      return
    }
    if (x !== y) found.push(`${path.replace(/^\./, '')}: ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`)
  }
  walk(a.layers, b.layers, 'layers')
  for (const key of ['bits', 'weightBits', 'input', 'output', 'droppedOutputOps', 'format'] as const) walk(a[key], b[key], key)
  return found.map((line) => line.replace(/^layers\[(\d+)\]/, (m, i: string) => `${m} (${expected.layers[Number(i)]?.name ?? actual.layers[Number(i)]?.name ?? '?'})`))
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}
