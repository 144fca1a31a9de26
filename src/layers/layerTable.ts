/**
 * The closed table of fixed-point layer kinds: every kind glassbox knows, by
 * its `kind`, and every float IR op by the kind that quantizes it. The
 * fixed-point layer union (`FixedLayer`, model.json's `layers[]` schema) is
 * derived from it, so a kind exists exactly when it is in this table, and the
 * types below make the compiler refuse a table that misses a kind's entry or
 * an op's quantizer. Nothing is registered at run time.
 */
import { z } from 'zod'
import type { Op } from '../model/ir.js'
import { affineLayer } from './affine.js'
import { binaryLayer } from './binary.js'
import { clipLayer } from './clip.js'
import { concatLayer } from './concat.js'
import { convLayer } from './conv.js'
import { denseLayer } from './dense.js'
import type { LayerKind, Quantizer } from './layerKind.js'
import { layerNormLayer } from './layernorm.js'
import { leakyReluLayer } from './leakyrelu.js'
import { matmulLayer } from './matmul.js'
import { maxPoolLayer } from './maxpool.js'
import { padLayer } from './pad.js'
import { permuteLayer } from './permute.js'
import { piecewiseLinearLayer } from './pwl.js'
import { reluLayer } from './relu.js'
import { softmaxLayer } from './softmax.js'

const table = {
  dense: denseLayer,
  conv: convLayer,
  affine: affineLayer,
  relu: reluLayer,
  maxpool: maxPoolLayer,
  pad: padLayer,
  clip: clipLayer,
  leakyrelu: leakyReluLayer,
  pwl: piecewiseLinearLayer,
  permute: permuteLayer,
  concat: concatLayer,
  softmax: softmaxLayer,
  layernorm: layerNormLayer,
  binary: binaryLayer,
  matmul: matmulLayer,
}

type TableEntry = (typeof table)[keyof typeof table]
type LayerOf<E> = E extends LayerKind<infer L, infer _O> ? L : never

/** A fixed-point layer: one of the table's kinds. */
export type FixedLayer = LayerOf<TableEntry>
/** The name of a layer kind (`FixedLayer['kind']`). */
export type LayerKindName = FixedLayer['kind']

/** Every layer kind by name. The annotation checks each entry is the kind its key names. */
export const layerTable: { readonly [K in LayerKindName]: LayerKind<Extract<FixedLayer, { kind: K }>, OpsOf<(typeof table)[K]>> } = table

type OpsOf<E> = E extends LayerKind<infer _L, infer O> ? O : never
/** The layer kinds whose quantizers take op kind P. */
type QuantizersOf<P extends Op['kind']> = { [K in LayerKindName]: P extends OpsOf<(typeof table)[K]> ? K : never }[LayerKindName]

/**
 * The layer kind each float IR op is quantized into (ops absorbed by a
 * fusion, e.g. the ReLU after a dense layer, are only quantized on their own
 * when they are not fused). Typed so every op kind has an entry, and each
 * entry's kind has a quantizer for that op.
 */
export const opLayerKinds: { readonly [P in Op['kind']]: QuantizersOf<P> } = {
  dense: 'dense',
  conv: 'conv',
  affine: 'affine',
  relu: 'relu',
  maxpool: 'maxpool',
  pad: 'pad',
  clip: 'clip',
  leakyrelu: 'leakyrelu',
  sigmoid: 'pwl',
  tanh: 'pwl',
  permute: 'permute',
  concat: 'concat',
  softmax: 'softmax',
  layernorm: 'layernorm',
  gelu: 'pwl',
  erf: 'pwl',
  binary: 'binary',
  matmul: 'matmul',
}

/** The kind object of a layer, typed for that layer. */
export function layerKindOf<L extends FixedLayer>(layer: L): LayerKind<L> {
  // The table maps each kind to the LayerKind of exactly that layer type; TypeScript cannot
  // correlate a union-typed key with its entry, so this is the one place that says so.
  return layerTable[layer.kind as LayerKindName] as unknown as LayerKind<L>
}

/** The quantizer of a float IR op. */
export function quantizerOf<P extends Op['kind']>(op: Extract<Op, { kind: P }>): Quantizer<P, FixedLayer> {
  const kind = layerTable[opLayerKinds[op.kind as P]] as unknown as LayerKind<FixedLayer, P>
  return kind.quantize[op.kind as P]
}

/** The zod schema of any fixed-point layer (model.json `layers[]`), the union of the table's schemas. */
export const fixedLayerSchema = z.discriminatedUnion('kind', [
  layerTable.dense.schema,
  layerTable.conv.schema,
  layerTable.affine.schema,
  layerTable.relu.schema,
  layerTable.maxpool.schema,
  layerTable.pad.schema,
  layerTable.clip.schema,
  layerTable.leakyrelu.schema,
  layerTable.pwl.schema,
  layerTable.permute.schema,
  layerTable.concat.schema,
  layerTable.softmax.schema,
  layerTable.layernorm.schema,
  layerTable.binary.schema,
  layerTable.matmul.schema,
])

// The schema union and the table name the same kinds (a kind left out of the list above fails here).
type SchemaKinds = z.infer<typeof fixedLayerSchema>['kind']
const schemaCoversTable: [SchemaKinds] extends [LayerKindName] ? ([LayerKindName] extends [SchemaKinds] ? true : false) : false = true
void schemaCoversTable
