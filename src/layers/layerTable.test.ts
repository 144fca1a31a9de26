import { describe, expect, it } from 'vitest'
import { fixedLayerSchema, layerKindOf, layerTable, opLayerKinds } from './layerTable.js'

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
})
