import { z } from 'zod'
import { circomTemplate, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { evaluateExp, fitExp } from './parts/expPiecewiseLinear.js'
import type { ExpFitInts } from './parts/expPiecewiseLinear.js'
import { bits, intString, layerBaseShape, size } from './parts/schemaParts.js'
import { bitsRowWitness } from './parts/rescaleWitness.js'
import { FIELD_ORDER } from '../field/fieldElement.js'
import type { WitnessScope } from '../witness/witnessScope.js'

/**
 * Softmax along one axis, groups of `axisSize` values `inner` apart in the
 * flattened input (the IR's [outer, axisSize, inner] view). Per group: the
 * proven max m, e_i = exp-fit(m − x_i) (see parts/expPiecewiseLinear.ts),
 * y_i = ⌊e_i·2^scale / Σe⌋ with a proven remainder. The output is in [0, 1]
 * at the fixed scale 2^(B−2), whatever the input's scale.
 */
export const softmaxSchema = z.object({
  kind: z.literal('softmax'),
  ...layerBaseShape,
  input: z.string(),
  /** Signed width of the input: m − x fits inputBits unsigned bits. */
  inputBits: bits,
  axisSize: size,
  inner: size,
  /** outer × inner groups. */
  groups: size,
  /** e(d) = base − slope0·d + Σ_j hinges[j]·max(0, d − knots[j]), d = max − x at the input scale. */
  base: intString,
  slope0: intString,
  knots: z.array(intString),
  hinges: z.array(intString),
  /** Σe < 2^sumBits: the width of the remainder's two range checks. */
  sumBits: z.number().int().min(1).max(200),
})

export type FixedSoftmaxLayer = z.infer<typeof softmaxSchema>

export const softmaxGroupTemplate = circomTemplate('SoftmaxGroup', 'nonlinear.circom', ['N', 'B', 'NK', 'KNOT', 'HINGE', 'SLOPE0', 'BASE', 'S', 'R'])

/** Flattened index of value k of group g (g = o·inner + i). */
function at(layer: Pick<FixedSoftmaxLayer, 'axisSize' | 'inner'>, g: number, k: number): number {
  const o = Math.floor(g / layer.inner)
  const i = g % layer.inner
  return (o * layer.axisSize + k) * layer.inner + i
}

/** The layer's exp fit as integers (see `evaluateExp`). */
function expFitOf(layer: Pick<FixedSoftmaxLayer, 'base' | 'slope0' | 'knots' | 'hinges'>): ExpFitInts {
  return { base: BigInt(layer.base), slope0: BigInt(layer.slope0), knots: layer.knots.map(BigInt), hinges: layer.hinges.map(BigInt) }
}

/** One group's values as SoftmaxGroup computes them: the max m, each d = m − x and e = E(d), their sum, and y = ⌊e·2^S / Σe⌋. */
function softmaxParts(fit: ExpFitInts, scale: number, x: readonly bigint[]): { m: bigint; d: bigint[]; e: bigint[]; sum: bigint; y: bigint[] } {
  // The first maximum, as the template's strict comparison picks it (any maximum gives the same m).
  const m = x.reduce((a, b) => (b > a ? b : a))
  const d = x.map((v) => m - v)
  const e = d.map((v) => evaluateExp(fit, v))
  const sum = e.reduce((a, b) => a + b, 0n)
  const s = BigInt(scale)
  return { m, d, e, sum, y: e.map((v) => (v << s) / sum) }
}

/** The exact integer softmax of one group, as SoftmaxGroup computes it. */
export function softmaxGroup(layer: Pick<FixedSoftmaxLayer, 'base' | 'slope0' | 'knots' | 'hinges' | 'scale'>, x: readonly bigint[]): bigint[] {
  return softmaxParts(expFitOf(layer), layer.scale, x).y
}

/** The positions of group g's values in the flattened tensor. */
function groupPositions(layer: FixedSoftmaxLayer, g: number): number[] {
  return Array.from({ length: layer.axisSize }, (_, k) => at(layer, g, k))
}

/** The witness of one SoftmaxGroup component (`scope`) on its N inputs; returns its outputs. */
function softmaxGroupWitness(scope: WitnessScope, layer: FixedSoftmaxLayer, fit: ExpFitInts, x: readonly bigint[]): bigint[] {
  const N = x.length
  const B = layer.inputBits
  const S = layer.scale
  const R = layer.sumBits
  // With NK = 0 the template keeps one hinge per value, wired to 0.
  const NK = fit.knots.length
  const slots = NK > 0 ? NK : 1
  // Error labels are built only when a row does not fit (a path string per group would cost every witness).
  const where = (signal: string) => () => `layer "${layer.name}" ${scope.path}.${signal}`
  const { m, d, e, sum, y } = softmaxParts(fit, S, x)
  scope.signals('in', [N]).fill(x)
  scope.signal('m', m)
  const dbits = scope.signals('dbits', [N, B])
  const prod = scope.signals('prod', [N])
  const hbits = scope.signals('hbits', [N, slots, B + 1])
  const hinge = scope.signals('hinge', [N, slots])
  const t = scope.signals('t', [N])
  const ybits = scope.signals('ybits', [N, S + 1])
  const rbits = scope.signals('rbits', [N, R])
  const gbits = scope.signals('gbits', [N, R])
  const offset = 1n << BigInt(B)
  let product = 1n
  for (let i = 0; i < N; i++) {
    bitsRowWitness(dbits, i, d[i]!, B, where('dbits'))
    // prod[i] = d[0]·…·d[i] in the field: 0 from the max on, so it proves m is one of the values.
    product = (product * d[i]!) % FIELD_ORDER
    prod.set(i, product)
    for (let j = 0; j < slots; j++) {
      const row = i * slots + j
      if (NK === 0) {
        hbits.setBits(row * (B + 1), 0n, B + 1)
        hinge.setNumber(row, 0)
        continue
      }
      const c = d[i]! - fit.knots[j]!
      bitsRowWitness(hbits, row, c + offset, B + 1, where('hbits'))
      hinge.set(row, c > 0n ? c : 0n)
    }
  }
  const shifted = e.map((v) => v << BigInt(S))
  for (let i = 0; i < N; i++) {
    const ti = y[i]! * sum
    const r = shifted[i]! - ti
    t.set(i, ti)
    bitsRowWitness(ybits, i, y[i]!, S + 1, where('ybits'))
    bitsRowWitness(rbits, i, r, R, where('rbits'))
    bitsRowWitness(gbits, i, sum - 1n - r, R, where('gbits'))
  }
  scope.signals('out', [N]).fill(y)
  return y
}

export const softmaxLayer: LayerKind<FixedSoftmaxLayer, 'softmax'> = {
  kind: 'softmax',
  schema: softmaxSchema,
  templates: [softmaxGroupTemplate],
  quantize: {
    softmax(op, context) {
      const inputBits = context.bitsOf(op.input)
      const fit = fitExp(context.scaleOf(op.input), inputBits)
      const groups = context.sizeOf(op.input) / op.axisSize
      return {
        kind: 'softmax', name: op.name, input: op.input, output: op.output,
        // Probabilities in [0, 1] at 2^(B−2): 1.0 = 2^(B−2) fits B signed bits.
        scale: context.bits - 2, bits: context.bits, inputBits, axisSize: op.axisSize, inner: op.inner, groups,
        base: String(fit.base), slope0: String(fit.slope0), knots: fit.knots.map(String), hinges: fit.hinges.map(String),
        sumBits: (BigInt(op.axisSize) * fit.base).toString(2).length,
      }
    },
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.groups * layer.axisSize,
  evaluate(layer, [x]) {
    const fit = expFitOf(layer)
    const y: bigint[] = new Array(x!.length)
    for (let g = 0; g < layer.groups; g++) {
      const positions = groupPositions(layer, g)
      softmaxParts(fit, layer.scale, positions.map((p) => x![p]!)).y.forEach((v, k) => (y[positions[k]!] = v))
    }
    return y
  },
  witness(layer, [x], scope, { component }) {
    // A group of one value is the constant 2^S: no component, nothing to declare.
    if (layer.axisSize === 1) return x!.map(() => 1n << BigInt(layer.scale))
    const fit = expFitOf(layer)
    const y: bigint[] = new Array(x!.length)
    for (let g = 0; g < layer.groups; g++) {
      const positions = groupPositions(layer, g)
      softmaxGroupWitness(scope.component(`${component}g${g}`), layer, fit, positions.map((p) => x![p]!)).forEach((v, k) => (y[positions[k]!] = v))
    }
    return y
  },
  checkWidths(layer, context) {
    if (layer.inputBits !== context.inputBits[0]) context.fail(`${context.where} reads ${context.inputBits[0]}-bit values but says ${layer.inputBits}.`, 'The fixed-point model is inconsistent; recompile it.')
    if (layer.scale + 2 > layer.bits) context.fail(`${context.where} writes probabilities at 2^${layer.scale}, which do not fit ${layer.bits} signed bits.`, 'The fixed-point model is inconsistent; recompile it.')
    context.decomposition(layer.inputBits + 1, 'the exponential\'s hinge comparisons')
    context.decomposition(layer.sumBits + layer.scale + 2, 'the division by the sum')
    if ((BigInt(layer.axisSize) * BigInt(layer.base)).toString(2).length > layer.sumBits) context.fail(`${context.where}: its sum of exponentials can reach 2^${layer.sumBits}.`, 'The fixed-point model is inconsistent; recompile it.')
    // The sum bound above, and circuit = evaluator, need 0 ≤ e(d) ≤ base, decreasing, for every d in range: the
    // fit is linear between its knots, so checking it at 0, at each knot and at the end of the range is enough.
    const fit = expFitOf(layer)
    const points = [0n, ...fit.knots, (1n << BigInt(layer.inputBits)) - 1n].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    let previous = fit.base
    for (const d of points) {
      const e = evaluateExp(fit, d)
      if (e < 0n || e > previous) context.fail(`${context.where}: its exponential is not a decreasing fit in [0, ${layer.base}] (e(${d}) = ${e}).`, 'The fixed-point model is inconsistent; recompile it.')
      previous = e
    }
  },
  emit(layer, { component, sources: [x], target }) {
    const call = instantiateTemplate(softmaxGroupTemplate, {
      // circom has no empty array literal; with NK = 0 the template never reads these.
      N: layer.axisSize, B: layer.inputBits, NK: layer.knots.length, KNOT: layer.knots.length ? layer.knots : ['0'], HINGE: layer.hinges.length ? layer.hinges : ['0'],
      SLOPE0: layer.slope0, BASE: layer.base, S: layer.scale, R: layer.sumBits,
    })
    const lines: string[] = []
    // Softmax of a single value is exactly 1.
    if (layer.axisSize === 1) return [`    for (var i = 0; i < ${layer.groups * layer.axisSize}; i++) {`, `        ${target}[i] <== ${1n << BigInt(layer.scale)};`, '    }']
    for (let g = 0; g < layer.groups; g++) {
      const c = `${component}g${g}`
      lines.push(
        `    component ${c} = ${call};`,
        `    for (var k = 0; k < ${layer.axisSize}; k++) {`,
        `        ${c}.in[k] <== ${x}[${at(layer, g, 0)} + k * ${layer.inner}];`,
        '    }',
        `    for (var k = 0; k < ${layer.axisSize}; k++) {`,
        `        ${target}[${at(layer, g, 0)} + k * ${layer.inner}] <== ${c}.out[k];`,
        '    }',
      )
    }
    return lines
  },
  constraints(layer, { o1 }) {
    return layer.groups * softmaxGroupConstraints(layer, o1)
  },
  describe: (layer) => `softmax over ${layer.groups} groups of ${layer.axisSize} (exp as ${layer.knots.length} hinges, division with proven remainder), probabilities at 2^${layer.scale}`,
  costKind: () => 'softmax',
  compareStructure(layer, op, same) {
    if (op.kind !== 'softmax') return
    same(`layer "${layer.name}" axis size`, layer.axisSize, op.axisSize)
    same(`layer "${layer.name}" inner stride`, layer.inner, op.inner)
  },
}

/**
 * Constraints of one SoftmaxGroup. Per value at --O2: the max's B-bit
 * difference, per hinge a (B+1)-bit comparison and its product, the product
 * y·Σ, the output's (S+1) bits and the remainder's two R-bit checks; per
 * group the N − 1 products saying the max is one of the values. --O1 keeps
 * each decomposition's sum (4 + hinges per value) and the chain's first link.
 * A group of one value is the constant 1 and costs nothing.
 */
export function softmaxGroupConstraints(layer: Pick<FixedSoftmaxLayer, 'axisSize' | 'inputBits' | 'knots' | 'scale' | 'sumBits'>, o1: boolean): number {
  const n = layer.axisSize
  const nk = layer.knots.length
  const perValue = layer.inputBits + nk * (layer.inputBits + 2) + 1 + (layer.scale + 1) + 2 * layer.sumBits + (o1 ? 4 + nk : 0)
  // One value: y = 2^S, a constant wired in (--O1 keeps the assignment).
  if (n === 1) return o1 ? 1 : 0
  return n * perValue + (n - 1) + (o1 ? 1 : 0)
}
