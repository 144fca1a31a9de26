/**
 * The shared harness of the layer tests (src/layers/<kind>.test.ts): compile
 * ONE layer, exactly as the production emitter writes it (its kind's `emit`),
 * as a tiny circuit with circom2; compute witnesses; compare the circuit with
 * the kind's `evaluate` and its R1CS with the kind's `constraints`; forge
 * output signals and require the constraint check (and nothing else) to
 * reject them. Test support only.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CircuitTester } from '../../../test/support/circuitTester.js'
import { compileTestCircuit } from '../../../test/support/circuitTester.js'
import { FIELD_ORDER, toField } from '../../field/fieldElement.js'
import type { WitnessPlan } from '../../witness/witnessPlan.js'
import { buildWitnessPlan } from '../../witness/witnessPlan.js'
import type { WitnessValues } from '../../witness/witnessScope.js'
import { createWitnessScope } from '../../witness/witnessScope.js'
import type { FixedLayer } from '../layerTable.js'
import { layerKindOf } from '../layerTable.js'

export type LayerCircuitOptions = {
  /** circom's simplification level (default 2, glassbox's default). */
  optimization?: 1 | 2
  /** Which values of each input circom sees as the constant 0 (e.g. padding), for the folded-comparison rule; default none. */
  constantInputs?: readonly (readonly boolean[] | undefined)[]
}

export type LayerCircuit = {
  layer: FixedLayer
  tester: CircuitTester
  /** The input signal names of main: `in` for a one-input layer, `in0`, `in1`, … otherwise. */
  inputNames: readonly string[]
  /** The circuit's inputs for `xs` (one array per input tensor). */
  signals(xs: readonly (readonly bigint[])[]): Record<string, bigint[]>
  /** The circuit's outputs in a witness. */
  outputs(witness: readonly bigint[]): bigint[]
  /** What the layer's kind says this circuit costs. */
  estimate: number
  /** Which input positions the circuit wires to the constant 0 (see LayerCircuitOptions). */
  constantInputs: readonly (readonly boolean[] | undefined)[]
}

/**
 * The tiny circuit of one layer: its input tensors as private inputs
 * `in`/`in0…` (with, where given, known constant positions wired to 0), the
 * kind's emitted lines writing an intermediate `t`, copied to the public
 * output `out`. Nothing else: no range check, hash or argmax, so the R1CS is
 * the layer's alone.
 */
export function layerCircuitSource(layer: FixedLayer, inputSizes: readonly number[], { constantInputs = [] }: Pick<LayerCircuitOptions, 'constantInputs'> = {}): { source: string; inputNames: string[] } {
  const kind = layerKindOf(layer)
  const inputNames = inputSizes.length === 1 ? ['in'] : inputSizes.map((_, i) => `in${i}`)
  const functions: string[] = []
  const sources = inputNames.map((name, i) => (constantInputs[i] ? `${name}c` : name))
  const size = kind.outputSize(layer)
  const body = [
    ...inputNames.map((name, i) => `    signal input ${name}[${inputSizes[i]}];`),
    `    signal output out[${size}];`,
    // Constant positions are wired to 0 the way a pad layer wires them, so circom sees the same constants.
    ...inputNames.flatMap((name, i) => {
      const mask = constantInputs[i]
      if (!mask) return []
      return [`    signal ${name}c[${inputSizes[i]}];`, ...mask.map((constant, j) => `    ${name}c[${j}] <== ${constant ? '0' : `${name}[${j}]`};`)]
    }),
    `    signal t[${size}];`,
    ...kind.emit(layer, { component: 'layer0', sources, target: 't', addFunctions: (lines) => functions.push(...lines) }),
    '    out <== t;',
  ]
  const includes = [...new Set(['glassbox.circom', ...kind.templates.map((t) => t.file)])].map((file) => `include "${file}";`)
  return {
    source: ['pragma circom 2.1.0;', ...includes, '', ...functions, 'template LayerUnderTest() {', ...body, '}', '', 'component main = LayerUnderTest();', ''].join('\n'),
    inputNames,
  }
}

/** Compiles one layer (see {@link layerCircuitSource}); cached per source and level for the process. */
export async function compileLayer(layer: FixedLayer, inputSizes: readonly number[], options: LayerCircuitOptions = {}): Promise<LayerCircuit> {
  const { optimization = 2, constantInputs = [] } = options
  const { source, inputNames } = layerCircuitSource(layer, inputSizes, { constantInputs })
  const tester = await compileTestCircuit(source, { optimization })
  const kind = layerKindOf(layer)
  const constants = new Map(kind.inputs(layer).map((name, i) => [name, constantInputs[i]]))
  const estimate = kind.constraints(layer, { o1: optimization === 1, constantsOf: (tensor) => constants.get(tensor) ?? undefined })
  const size = kind.outputSize(layer)
  return {
    layer,
    tester,
    inputNames,
    estimate,
    signals: (xs) => Object.fromEntries(inputNames.map((name, i) => [name, [...xs[i]!]])),
    outputs: (w) => Array.from({ length: size }, (_, i) => tester.read(w, `main.out[${i}]`)),
    constantInputs,
  }
}

/**
 * glassbox's own witness of the one-layer circuit: its main template
 * (`LayerUnderTest`, see {@link layerCircuitSource}) mirrored, with the kind's
 * `witness` for the layer.
 */
export function layerWitness(circuit: LayerCircuit, xs: readonly (readonly bigint[])[]): WitnessValues {
  const main = createWitnessScope()
  const sources = circuit.inputNames.map((name, i) => {
    main.signals(name, [xs[i]!.length]).fill(xs[i]!)
    const mask = circuit.constantInputs[i]
    if (!mask) return xs[i]!
    const masked = xs[i]!.map((v, j) => (mask[j] ? 0n : v))
    main.signals(`${name}c`, [masked.length]).fill(masked)
    return masked
  })
  const out = layerKindOf(circuit.layer).witness(circuit.layer as never, sources, main, { component: 'layer0' })
  main.signals('t', [out.length]).fill(out)
  main.signals('out', [out.length]).fill(out)
  return main.values
}

const plans = new WeakMap<LayerCircuit, WitnessPlan>()

/** The kind's witness mirror gives, wire for wire, circom's own witness `w` of the same inputs. */
export function expectMirrorWitness(circuit: LayerCircuit, xs: readonly (readonly bigint[])[], w: readonly bigint[]): void {
  const values = layerWitness(circuit, xs)
  let plan = plans.get(circuit)
  if (!plan) {
    plan = buildWitnessPlan(values, readFileSync(join(circuit.tester.dir, 'circuit.sym'), 'utf8'), circuit.tester.r1cs.wires)
    plans.set(circuit, plan)
  }
  const mirrored = Array.from(plan.positionOfWire, (position, wire) => (wire === 0 ? 1n : toField(values.get(position))))
  expect(mirrored, `glassbox's witness of ${circuit.layer.kind} "${circuit.layer.name}" = circom's`).toEqual(w)
}

/** The kind's integer evaluation of the layer on `xs` (throws RangeOverflowError where the circuit has no witness). */
export function evaluateLayer(layer: FixedLayer, xs: readonly (readonly bigint[])[], { float64 = false }: { float64?: boolean } = {}): bigint[] {
  return layerKindOf(layer).evaluate(layer, xs, { float64 })
}

/** The circuit accepts `xs` with every constraint satisfied and outputs exactly what the kind's `evaluate` computes. */
export async function expectCircuitMatchesEvaluator(circuit: LayerCircuit, xs: readonly (readonly bigint[])[]): Promise<bigint[]> {
  const expected = evaluateLayer(circuit.layer, xs)
  const w = await circuit.tester.expectPass(circuit.signals(xs))
  expect(circuit.outputs(w), `outputs for ${JSON.stringify(xs.map((x) => x.map(String)))}`).toEqual(expected)
  expectMirrorWitness(circuit, xs, w)
  // The float64 fast path agrees with the BigInt reference wherever it applies.
  expect(evaluateLayer(circuit.layer, xs, { float64: true })).toEqual(expected)
  return w
}

/** The evaluator refuses `xs` (a value out of range) and the circuit itself rejects it: a failed `===` or assert, never another error. */
export async function expectCircuitRejects(circuit: LayerCircuit, xs: readonly (readonly bigint[])[]): Promise<void> {
  expect(() => evaluateLayer(circuit.layer, xs)).toThrow(/does not fit/)
  expect(() => layerWitness(circuit, xs), 'glassbox\'s witness refuses it too').toThrow(/does not fit/)
  await circuit.tester.expectFail(circuit.signals(xs))
}

/**
 * Forges each output of an honest witness in turn (+1 and −1, every other
 * wire kept) and requires the R1CS check to reject every forgery. The honest
 * witness must pass the same check first, so a rejection is the
 * constraints', not a malformed witness.
 *
 * One forgery may pass: where circom merged an output with the input value
 * it copies (wiring: pad, permute, concat), the two are one wire, and the
 * forged witness is then the honest witness of the input with that value
 * changed. It is accepted only if it is exactly that witness, computed by the
 * circuit for that input: a true statement, not a forgery.
 */
export async function expectForgedOutputsRejected(circuit: LayerCircuit, xs: readonly (readonly bigint[])[]): Promise<void> {
  const { tester } = circuit
  const w = await tester.witness(circuit.signals(xs))
  expect(tester.checkConstraints(w).ok, 'the honest witness').toBe(true)
  const outputs = circuit.outputs(w)
  for (const [i, value] of outputs.entries()) {
    for (const delta of [1n, -1n]) {
      const forged = tester.forge(w, { [`main.out[${i}]`]: value + delta })
      if (!tester.checkConstraints(forged).ok) continue
      const other = inputFor(circuit.layer, xs, i, value + delta)
      expect(other, `out[${i}] forged to ${value + delta} passes the constraints, and no input gives it`).toBeDefined()
      expect(await tester.witness(circuit.signals(other!)), `out[${i}] forged to ${value + delta} is not the honest witness of any input`).toEqual(forged)
    }
  }
}

/** The inputs with the one value output `i` copies changed so that the output becomes `target` (wiring only), if there is one. */
function inputFor(layer: FixedLayer, xs: readonly (readonly bigint[])[], i: number, target: bigint): bigint[][] | undefined {
  const base = evaluateLayer(layer, xs)
  for (const [k, x] of xs.entries()) {
    for (let j = 0; j < x.length; j++) {
      const probe = xs.map((v) => [...v])
      probe[k]![j] = x[j]! + 1n
      if (evaluateLayer(layer, probe)[i] === base[i]) continue
      // Output i copies input (k, j), possibly times a constant c: solve c·x' = target. Where c
      // does not divide it, x' is the field element target/c: this tiny circuit does not
      // range-check its inputs (in a model every tensor is range-checked by its producer).
      const step = evaluateLayer(layer, probe)[i]! - base[i]!
      const difference = target - base[i]!
      if (difference % step === 0n) {
        probe[k]![j] = x[j]! + difference / step
        return evaluateLayer(layer, probe)[i] === target ? probe : undefined
      }
      probe[k]![j] = (((x[j]! + difference * modularInverse(step, FIELD_ORDER)) % FIELD_ORDER) + FIELD_ORDER) % FIELD_ORDER
      return probe
    }
  }
  return undefined
}

function modularInverse(a: bigint, m: bigint): bigint {
  let [r0, r1] = [((a % m) + m) % m, m]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return ((s0 % m) + m) % m
}

/** The compiled R1CS has exactly as many constraints as the kind's `constraints` says. */
export function expectConstraintCount(circuit: LayerCircuit, extra = 0): void {
  expect(circuit.tester.constraintCount, `constraints of ${circuit.layer.kind} "${circuit.layer.name}"`).toBe(circuit.estimate + extra)
}

/** A deterministic generator of small random integers (tests must be reproducible). */
export function seededIntegers(seed: number): (lo: number, hi: number) => number {
  let state = seed >>> 0 || 1
  return (lo, hi) => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return lo + (state % (hi - lo + 1))
  }
}

/** `n` signed values of `bits` bits, from `random`. */
export function randomSigned(random: (lo: number, hi: number) => number, n: number, bits: number): bigint[] {
  const limit = 2 ** (bits - 1)
  return Array.from({ length: n }, () => BigInt(random(-limit, limit - 1)))
}

/** One instance of a layer for {@link describeLayerCircuit}. */
export type LayerCase = {
  /** What the case exercises, for the test names. */
  title: string
  layer: FixedLayer
  /** Values of each input tensor. */
  inputSizes: readonly number[]
  /** Inputs the circuit must accept with the evaluator's outputs (one array per input tensor each). */
  inputs: readonly (readonly (readonly bigint[])[])[]
  /** Inputs the evaluator refuses and the circuit must reject (values out of range). */
  rejected?: readonly (readonly (readonly bigint[])[])[]
  constantInputs?: readonly (readonly boolean[] | undefined)[]
  /**
   * Constraints the tiny circuit has beyond the layer's own: a public output
   * that is a constant or a multiple of an input must be constrained to it,
   * where inside a model the next layer reads it for free. Default 0.
   */
  boundaryConstraints?: number | { readonly [O in 1 | 2]: number }
}

/**
 * The tests every layer kind passes, for each case: at --O1 and --O2 the
 * circuit outputs what the kind's `evaluate` computes, its R1CS has exactly
 * the kind's `constraints` (plus the case's boundary constraints), every
 * forged output is rejected by the constraints, and inputs out of range are
 * refused by both the evaluator and the circuit.
 */
export function describeLayerCircuit(title: string, cases: readonly LayerCase[], { timeout = 180_000 }: { timeout?: number } = {}): void {
  describe(title, () => {
    describe.each(cases.map((c) => [c.title, c] as const))('%s', (_, c) => {
      it.each(LEVELS)('--O%i: circuit = evaluator, constraints = estimate, forged outputs rejected', async (optimization) => {
        const circuit = await compileLayer(c.layer, c.inputSizes, { optimization, ...(c.constantInputs ? { constantInputs: c.constantInputs } : {}) })
        for (const xs of c.inputs) await expectCircuitMatchesEvaluator(circuit, xs)
        const boundary = c.boundaryConstraints ?? 0
        expectConstraintCount(circuit, typeof boundary === 'number' ? boundary : boundary[optimization])
        await expectForgedOutputsRejected(circuit, c.inputs[0]!)
      }, timeout)
      if (c.rejected?.length) {
        it('refuses inputs out of range, in the evaluator and in the circuit', async () => {
          const circuit = await compileLayer(c.layer, c.inputSizes, c.constantInputs ? { constantInputs: c.constantInputs } : {})
          for (const xs of c.rejected!) await expectCircuitRejects(circuit, xs)
        }, timeout)
      }
    })
  })
}

const LEVELS = [1, 2] as const

/**
 * Random inputs for a layer: `count` draws of `bits`-bit values per input
 * tensor, keeping those the evaluator accepts (`accepted`) and, separately,
 * those it refuses (`rejected`, up to `count`), so a case has both.
 */
export function drawInputs(layer: FixedLayer, inputSizes: readonly number[], { random, bits, count = 3, tries = 400 }: { random: (lo: number, hi: number) => number; bits: readonly number[]; count?: number; tries?: number }): { accepted: bigint[][][]; rejected: bigint[][][] } {
  const accepted: bigint[][][] = []
  const rejected: bigint[][][] = []
  for (let i = 0; i < tries && (accepted.length < count || rejected.length < count); i++) {
    // Alternate small and full-range draws: small ones rarely overflow, full-range ones often do.
    const width = (k: number) => (i % 2 === 0 ? Math.max(2, bits[k]! - 3) : bits[k]!)
    const xs = inputSizes.map((n, k) => randomSigned(random, n, width(k)))
    let ok = true
    try {
      evaluateLayer(layer, xs)
    } catch {
      ok = false
    }
    if (ok && accepted.length < count) accepted.push(xs)
    if (!ok && rejected.length < count) rejected.push(xs)
  }
  return { accepted, rejected }
}
