import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SUPPORTED_OPS } from '../model/onnxOpTable.js'
import { fixedLayerSchema, layerKindOf, layerTable, opLayerKinds } from './layerTable.js'

/** The rows of the README's "Constraints per op" table: [ONNX ops, kind, cost, error, test file]. */
function readmeCostRows(): string[][] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('### Constraints per op'), readme.indexOf('## Chain and market'))
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ONNX op'))
    .map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim()))
}

describe('the layer table', () => {
  it('files every kind under its own name', () => {
    for (const [name, kind] of Object.entries(layerTable)) expect(kind.kind).toBe(name)
  })

  it('maps every float IR op to a kind with a quantizer for it', () => {
    for (const [op, kind] of Object.entries(opLayerKinds)) expect(typeof (layerTable[kind].quantize as Record<string, unknown>)[op], `${op} → ${kind}`).toBe('function')
  })

  it('derives the model.json layer schema from the kinds: each kind parses, an unknown kind is refused', () => {
    const relu = { kind: 'relu', name: 'r', input: 'x', output: 'y', scale: 0, bits: 8, size: 3 }
    expect(fixedLayerSchema.parse(relu)).toEqual(relu)
    expect(layerKindOf(fixedLayerSchema.parse(relu))).toBe(layerTable.relu)
    expect(fixedLayerSchema.safeParse({ ...relu, kind: 'softmax' }).success).toBe(false)
    expect(fixedLayerSchema.safeParse({ ...relu, bits: 300 }).success).toBe(false)
  })

  it('has a row in the README cost table for every kind and every ONNX op, each naming a test that exists', () => {
    const rows = readmeCostRows()
    const kinds = new Set(rows.map((row) => /`(\w+)`/.exec(row[1] ?? '')?.[1]))
    for (const kind of Object.keys(layerTable)) expect(kinds.has(kind), `README has no row for kind "${kind}"`).toBe(true)
    const ops = new Set(rows.flatMap((row) => (row[0] ?? '').match(/\b[A-Z][A-Za-z]+\b/g) ?? []))
    for (const op of SUPPORTED_OPS) expect(ops.has(op), `README has no row for ONNX op ${op}`).toBe(true)
    for (const row of rows) {
      const test = /`([^`]+\.test\.ts)`/.exec(row[4] ?? '')?.[1]
      if (row[1]?.startsWith('`')) expect(test && existsSync(new URL(`../../${test}`, import.meta.url)), `row "${row[0]}" names no existing test`).toBe(true)
    }
  })
})
