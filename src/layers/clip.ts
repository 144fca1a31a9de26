import { z } from 'zod'
import { circomTemplate, emitComponent, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { intString, layerBaseShape, size } from './parts/schemaParts.js'
import { fitsSigned, INCONSISTENT } from './parts/widthBounds.js'
import { bitsRowWitness } from './parts/rescaleWitness.js'

/** Clamp to [min, max] (ReLU6, Clip, Hardtanh), bounds at the tensor's scale. */
export const clipSchema = z.object({
  kind: z.literal('clip'),
  ...layerBaseShape,
  input: z.string(),
  size,
  /** Bounds at the tensor's scale; null = unbounded on that side. */
  min: intString.nullable(),
  max: intString.nullable(),
})

export type FixedClipLayer = z.infer<typeof clipSchema>

export const clipTemplate = circomTemplate('Clip', 'glassbox.circom', ['n', 'B', 'HASLO', 'LO', 'HASHI', 'HI'])

/** A bound the input may exceed: rounded to the tensor's scale, clamped into its `bits` (a bound beyond the range never binds). */
function quantizeBound(value: number, scale: number, bits: number): string | null {
  if (!Number.isFinite(value)) return null
  const limit = 2 ** (bits - 1)
  return String(Math.max(-limit, Math.min(limit - 1, Math.round(value * 2 ** scale))))
}

/** The bounds as BigInts, undefined where unbounded. */
function bounds(layer: FixedClipLayer): { lo: bigint | undefined; hi: bigint | undefined } {
  return { lo: layer.min === null ? undefined : BigInt(layer.min), hi: layer.max === null ? undefined : BigInt(layer.max) }
}

/** Clip's two stages for one value, as its template computes them: low = max(v, lo), then out = min(low, hi). */
function clipOne(v: bigint, lo: bigint | undefined, hi: bigint | undefined): { low: bigint; out: bigint } {
  const low = lo !== undefined && v < lo ? lo : v
  return { low, out: hi !== undefined && low > hi ? hi : low }
}

export const clipLayer: LayerKind<FixedClipLayer, 'clip'> = {
  kind: 'clip',
  schema: clipSchema,
  templates: [clipTemplate],
  quantize: {
    clip(op, context) {
      const s = context.scaleOf(op.input)
      const b = context.bitsOf(op.input)
      return { kind: 'clip', name: op.name, input: op.input, output: op.output, scale: s, bits: b, size: context.sizeOf(op.input), min: quantizeBound(op.min, s, b), max: quantizeBound(op.max, s, b) }
    },
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.size,
  evaluate(layer, [x]) {
    const { lo, hi } = bounds(layer)
    return x!.map((v) => clipOne(v, lo, hi).out)
  },
  witness(layer, [x], scope, { component }) {
    const c = scope.component(component)
    const { lo, hi } = bounds(layer)
    const N = layer.bits + 1
    const offset = 1n << BigInt(N - 1)
    c.signals('in', [layer.size]).fill(x!)
    const lobits = c.signals('lobits', [layer.size, N])
    const hibits = c.signals('hibits', [layer.size, N])
    const low = c.signals('low', [layer.size])
    const out = c.signals('out', [layer.size])
    const where = (side: string) => () => `layer "${layer.name}" ${side}`
    return x!.map((v, i) => {
      const y = clipOne(v, lo, hi)
      // An absent bound's bits are wired to 0; a present one's are the (B + 1)-bit difference + 2^B.
      if (lo !== undefined) bitsRowWitness(lobits, i, v - lo + offset, N, where('lobits'))
      else lobits.setBits(i * N, 0n, N)
      if (hi !== undefined) bitsRowWitness(hibits, i, hi - y.low + offset, N, where('hibits'))
      else hibits.setBits(i * N, 0n, N)
      low.set(i, y.low)
      out.set(i, y.out)
      return y.out
    })
  },
  checkWidths(layer, context) {
    context.sameAsInput()
    context.decomposition(layer.bits + 1, 'each bound\'s comparison')
    for (const bound of [layer.min, layer.max]) {
      if (bound !== null && !fitsSigned(BigInt(bound), layer.bits)) context.fail(`bound ${bound} does not fit its ${layer.bits}-bit input.`, INCONSISTENT)
    }
  },
  emit(layer, { component, sources: [x], target }) {
    const call = instantiateTemplate(clipTemplate, {
      n: layer.size, B: layer.bits, HASLO: layer.min === null ? 0 : 1, LO: layer.min ?? 0, HASHI: layer.max === null ? 0 : 1, HI: layer.max ?? 0,
    })
    return emitComponent({ component, call, source: x!, target })
  },
  // Per bound: a (B + 1)-bit comparison and the select's product (--O1: and the decomposition's sum).
  constraints(layer, { o1 }) {
    const bound = layer.bits + 2 + (o1 ? 1 : 0)
    return layer.size * ((layer.min === null ? 0 : bound) + (layer.max === null ? 0 : bound))
  },
  describe: (layer) => `clip to [${layer.min ?? '-∞'}, ${layer.max ?? '∞'}]`,
  costKind: () => 'clip',
  compareStructure(layer, op, same) {
    if (op.kind === 'clip') same(`layer "${layer.name}" bounds`, [layer.min, layer.max], [quantizeBound(op.min, layer.scale, layer.bits), quantizeBound(op.max, layer.scale, layer.bits)])
  },
}
