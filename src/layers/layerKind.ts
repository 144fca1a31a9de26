/**
 * What a fixed-point layer kind is: everything glassbox knows about one kind
 * of layer, in one object. Every stage that handles layers (quantize, the
 * integer evaluator, the width check, the circom emitter, the constraint
 * estimate, the weight commitment, inspect) is a loop over
 * {@link layerTable} calling these members; none of them switches on a kind.
 *
 * The invariant a kind must keep, and its tests (`src/layers/<kind>.test.ts`)
 * prove: the circuit it emits computes exactly `evaluate`, bit for bit, on
 * every input in range, rejects every other output (forged witnesses fail the
 * constraint check), and compiles to exactly `constraints` constraints at
 * --O1 and --O2.
 *
 * ## Adding a kind (the checklist; README "Layer kinds" says the same)
 * 1. `src/layers/<kind>.ts`: a zod schema (`kind: z.literal('<kind>')` plus
 *    {@link layerBaseShape}), its type, and one `LayerKind<…>` object.
 * 2. Its circom template(s) in circuits/glassbox.circom (and committed.circom
 *    when its weights can be committed), declared with `circomTemplate`.
 * 3. An entry in `layerTable` (src/layers/layerTable.ts) and, for each float
 *    IR op it quantizes, in `opLayerKinds`: the compiler then refuses a table
 *    that misses a kind or an op.
 * 4. With weights (a multiplier and an addend array a fine-tune changes):
 *    `weights`, the committed template (and its witness mirror
 *    `witnessCommitted`), and the kind's entry in the weight-set file schema
 *    (src/weights/weightSetFile.ts).
 * 4b. `witness`: the mirror of what `emit` writes, for glassbox's own witness
 *    generator (src/witness/): every signal under circom's name, with circom's
 *    values; share the computation with `evaluate` rather than copy it.
 * 5. `src/layers/<kind>.test.ts` with the harness of src/layers/testing/
 *    (`describeLayerCircuit`): pass, fail, forged witness, constraint count at
 *    O1 and O2 against the compiled R1CS, evaluator = circuit and mirror =
 *    circom's witness (wire for wire) on random small shapes; and a fixture
 *    using it in layerRegression.test.ts.
 */
import type { z } from 'zod'
import type { Op, Shape } from '../model/ir.js'
import type { QuantizedLinearWeights } from '../quantize/quantizeLinearWeights.js'
import type { WeightSegment } from '../weights/weightLayout.js'
import type { WitnessScope } from '../witness/witnessScope.js'
import type { CircomTemplate } from './circomTemplate.js'

/** The fields every fixed-point layer has: it writes one tensor `output` at scale 2^scale, range-checked to `bits` signed bits. */
export type LayerBase = { kind: string; name: string; output: string; scale: number; bits: number }

/** The schema of a layer kind: a zod object whose `kind` is a literal (so the kinds form a discriminated union). */
export type LayerSchema<L extends LayerBase> = z.ZodType<L> & z.core.$ZodTypeDiscriminable

/**
 * What a quantizer may ask about the model being quantized. Tensors are read
 * in topological order: everything a layer reads has been produced (scale and
 * bits known) when its op is quantized.
 */
export type QuantizeContext = {
  /** B, the activation width of the model (`--bits`). */
  bits: number
  /** The weight width (`--weight-bits`). */
  weightBits: number
  /** The scale exponent of a tensor already produced (the model input or an earlier layer's output). */
  scaleOf(tensor: string): number
  /** The signed width of a tensor already produced. */
  bitsOf(tensor: string): number
  /** The float IR's shape of a tensor. */
  shapeOf(tensor: string): Shape
  /** The number of values of a tensor. */
  sizeOf(tensor: string): number
  /**
   * The calibrated scale of a tensor this layer writes: the finest 2^s at
   * which its calibrated max |value|, with the headroom, fits B signed bits.
   * @param producer The layer's name, for the error when the scale is out of range.
   */
  scaleFor(tensor: string, producer: string): number
  /** The calibrated max |value| of a float tensor over the calibration set (0 when never nonzero). */
  calibratedMaxAbs(tensor: string): number
  /** The one op reading `tensor`, when exactly one does and it is not the model output: what a fusion may absorb. */
  soleConsumer(tensor: string): Op | undefined
  /** Marks an op as absorbed into the layer being built (quantizeModel skips it). */
  fuse(op: Op): void
  /**
   * Quantizes the constants of a linear map reading `input` into `weightBits`
   * at one product scale (per-feature input scales folded in for the model
   * input; see quantizeLinearWeights).
   * @param column For weight k, the index of the input value it multiplies.
   * @param where The layer's name, for errors.
   */
  linearWeights(values: Float64Array, input: string, column: (k: number) => number, where: string): QuantizedLinearWeights
}

/** Turns one float IR op (of kind P) into a fixed-point layer. */
export type Quantizer<P extends Op['kind'], L> = (op: Extract<Op, { kind: P }>, context: QuantizeContext) => L

/** What the integer evaluator passes a layer besides its inputs. */
export type EvaluateContext = {
  /**
   * Accumulate in float64 where the layer's bound proves it exact (a fast
   * path; see src/layers/parts/fixedArithmetic.ts). False: BigInt throughout,
   * the reference the fast path is tested against.
   */
  float64: boolean
}

/** What a layer's emitter writes into and reads from. */
export type EmitContext = {
  /** The component-name prefix of this layer (`layer<index>`): component and function names start with it. */
  component: string
  /** The signal arrays of the main template the layer reads, in `inputs(layer)` order. */
  sources: readonly string[]
  /** The signal array the layer writes (declared by the emitter, `layerOutputSize` long). */
  target: string
  /** Appends lines to the generated functions before the main template (for constants too large for one line). */
  addFunctions(lines: readonly string[]): void
}

/** The emit context of a committed-weights layer: where each weight field sits in the private `weights` input. */
export type CommittedEmitContext = EmitContext & {
  /** The segment of the layer's field in the weight layout. */
  segment(field: WeightField): WeightSegment
}

/** What glassbox's witness generator passes a layer's witness mirror besides its inputs. */
export type WitnessContext = {
  /** The component-name prefix of this layer (`layer<index>`), as in its {@link EmitContext}. */
  component: string
}

/** What the witness mirror of a committed-weights layer also gets: the values the private `weights` input carries for each of its fields. */
export type CommittedWitnessContext = WitnessContext & {
  /** The layer's values of a weight field, as the circuit's `weights` input carries them (its segment). */
  field(field: WeightField): readonly bigint[]
}

/** What the constraint estimate passes a layer. */
export type ConstraintContext = {
  /** True at --O1 (linear constraints kept), false at --O2. */
  o1: boolean
  /** Which values of a tensor circom can see are the constant 0 (see `constantMask`), when known. */
  constantsOf(tensor: string): readonly boolean[] | undefined
}

/** What the width check passes a layer; the check helpers throw a QuantizeError naming the layer. */
export type WidthContext = {
  /** `layer "<name>" (<kind>)`, the prefix of every message. */
  where: string
  /** The signed width of each input tensor, in `inputs(layer)` order. */
  inputBits: readonly number[]
  /**
   * For a committed-weights circuit: the widths the layer's multipliers and
   * addends are range-checked to (any weight set of those widths may fill
   * them), so bounds must hold for the worst values of those widths.
   */
  committedWidths: { weights: number; biases: number } | undefined
  /** Refuses the model. */
  fail(message: string, details: string): never
  /** Refuses a bit decomposition wider than a BN254 circuit decomposes soundly (252 bits). */
  decomposition(bits: number, what: string, details?: string): void
  /** Refuses an accumulator that could wrap the field for some input in range. */
  accumulator(bound: bigint, what: string): void
  /** Refuses a layer whose `bits` is not its (first) input's: for layers that pass values on unchanged. */
  sameAsInput(): void
}

/** The arrays of a layer that can be a weight set (model parameters a fine-tune changes, committable as private signals). */
export type WeightField = 'weight' | 'bias' | 'factor' | 'offset'

/**
 * A layer kind whose constants are weights: a multiplier array and an
 * addend array added to the products before the rescale.
 */
export type LayerWeights<L extends LayerBase> = {
  /** The multiplier array (weights, factors): quantized into `weightBits`. */
  multiplier: WeightField & keyof L
  /** The addend array (biases, offsets): at the accumulator scale, including the rescale's rounding offset. */
  addend: WeightField & keyof L
  /** Products summed into each addend: its committed width is bounded by it (see weightLayout). */
  termsPerAddend(layer: L): number
  /** The rescale shift the addend's sum must fit with `bits` (its width bound). */
  shift(layer: L): number
  /** Multiply-accumulates, each one constraint (a signal times a signal) when the weights are committed. */
  multiplyAccumulates(layer: L): number
  /** The scale of the multipliers relative to the input (to requantize a fine-tune at the architecture's scales). */
  multiplierScale(layer: L): number
  /** The float op's multiplier and addend values, when `op` is the op this layer was quantized from. */
  floatWeights(op: Op): { multiplier: Float64Array; addend: Float64Array } | undefined
  /** The template of the committed-weights variant. */
  committedTemplate: CircomTemplate
  /** The lines wiring the committed variant to its slices of the private `weights` input. */
  emitCommitted(layer: L, context: CommittedEmitContext): string[]
  /** The witness mirror of `emitCommitted` (see {@link LayerKind.witness}), computing with the weights the circuit is given. */
  witnessCommitted(layer: L, inputs: readonly (readonly bigint[])[], scope: WitnessScope, context: CommittedWitnessContext): bigint[]
}

/**
 * One kind of fixed-point layer.
 * @typeParam L The layer's type (`z.infer` of its schema).
 * @typeParam O The float IR op kinds it quantizes (never for kinds only produced by fusion or by others' lowering).
 */
export type LayerKind<L extends LayerBase, O extends Op['kind'] = never> = {
  /** The `kind` discriminator of its layers in model.json. */
  kind: L['kind']
  /** The zod schema of its layers (model.json `glassbox/fixed-point@2`). */
  schema: LayerSchema<L>
  /**
   * The circom templates its constant-weights circuit instantiates (empty for
   * pure wiring, which costs no constraints). circomTemplate.test.ts checks
   * each against its `template Name(...)` declaration in circuits/; the
   * emitter includes every file they come from.
   */
  templates: readonly CircomTemplate[]
  /**
   * Its quantizers, one per float IR op kind. A quantizer decides fusion: it
   * may absorb the op's sole consumer (`context.soleConsumer`, then
   * `context.fuse`), e.g. dense + ReLU, conv + ReLU + max pool.
   */
  quantize: { readonly [P in O]: Quantizer<P, L> }
  /** How many float ops its quantizer fused into this layer (a fine-tune must have them too); absent: none. */
  fusedOps?(layer: L): number
  /** The tensors it reads (1..n), in the order `evaluate`, `emit` and `checkWidths` receive them. */
  inputs(layer: L): readonly string[]
  /** The number of values it writes. */
  outputSize(layer: L): number
  /** Its output as an image shape (C×H×W) for inspect, when it has one worth showing. */
  outputShape?(layer: L): readonly number[]
  /**
   * The integer semantics: exactly what its circuit computes (floor
   * divisions, range checks), throwing RangeOverflowError naming the layer
   * when a value leaves its range (the circuit would have no witness).
   */
  evaluate(layer: L, inputs: readonly (readonly bigint[])[], context: EvaluateContext): bigint[]
  /** Checks every bit decomposition and accumulator of its circuit fits BN254 soundly, and its declared widths are what its inputs give. */
  checkWidths(layer: L, context: WidthContext): void
  /** The lines of the main template computing its output from constant weights. */
  emit(layer: L, context: EmitContext): string[]
  /**
   * The witness mirror of `emit` (glassbox's own witness generator, src/witness/):
   * declares in `scope` (the main template) every signal its lines create — its
   * components' signals and any of its own in the main template, not its target
   * array — under circom's names, fills them with the values circom's witness code
   * computes, and returns its output (= `evaluate`). Declarations depend on the
   * layer only, never on the values. Throws RangeOverflowError where the circuit
   * has no witness. The layer tests compare the result with circom's witness, wire
   * for wire.
   */
  witness(layer: L, inputs: readonly (readonly bigint[])[], scope: WitnessScope, context: WitnessContext): bigint[]
  /** Set when its constants are a weight set (dense, conv, affine). */
  weights?: LayerWeights<L>
  /**
   * Its exact constraint count (constant weights; committed ones add
   * `weights.multiplyAccumulates`), including the comparisons circom folds
   * away over values it knows are constant.
   */
  constraints(layer: L, context: ConstraintContext): number
  /**
   * Which of its output values are the constant 0, given its inputs' masks
   * (undefined: none known constant). Kinds that only move values (pad,
   * permute, concat) propagate masks; the rest leave this out.
   */
  constantMask?(layer: L, inputs: readonly (readonly boolean[] | undefined)[]): boolean[] | undefined
  /** One line for the generated circuit's comment, e.g. `dense 4→8, rescale by 2^7 to 16 bits, ReLU`. */
  describe(layer: L): string
  /** Its label in the constraint report and `glassbox inspect`, e.g. `conv+maxpool+relu`. */
  costKind(layer: L): string
  /**
   * Where a float op (e.g. of a fine-tune) differs in structure from this
   * layer: calls `same(what, layerValue, opValue)` for each part of the
   * architecture it fixes. `op` has the layer's name and a kind it quantizes.
   */
  compareStructure(layer: L, op: Op, same: (what: string, a: unknown, b: unknown) => void): void
}
