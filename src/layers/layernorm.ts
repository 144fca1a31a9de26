import { z } from 'zod'
import { QuantizeError } from '../errors.js'
import { circomTemplate, instantiateTemplate } from './circomTemplate.js'
import type { LayerKind } from './layerKind.js'
import { asBigInts, checkRange } from './parts/fixedArithmetic.js'
import { bitsRowWitness, rescaleWitness } from './parts/rescaleWitness.js'
import type { WitnessScope } from '../witness/witnessScope.js'
import { bits, intString, layerBaseShape, scale, shift, size } from './parts/schemaParts.js'

/**
 * Layer normalization over groups of `groupSize` consecutive values
 * (LayerNormGroup in circuits/nonlinear.circom). Exact integer arithmetic up
 * to two floors: with c_i = N·x_i − Σx (= N·(x_i − mean), no division) and
 * v = Σc_i² + eps (= N³·2^(2s)·(var + ε)), the reciprocal square root
 * ρ = ⌊2^K/√v⌋ is proven by ρ²·v ≤ 2^(2K) < (ρ+1)²·v, and
 * y_i = ⌊(gamma_i·c_i·ρ + beta_i) / 2^shift⌋ with gamma_i = γ_i·√N·2^g.
 * K leaves ρ at least {@link RHO_PRECISION} bits for every input in range.
 */
export const layerNormSchema = z.object({
  kind: z.literal('layernorm'),
  ...layerBaseShape,
  input: z.string(),
  inputBits: bits,
  /** The input's scale exponent s (eps depends on it). */
  inputScale: scale,
  groupSize: size,
  groups: size,
  /** round(N³·2^(2·inputScale)·ε), at least 1. */
  eps: intString,
  /** ρ = ⌊2^K / √v⌋. */
  sqrtScale: z.number().int().min(1).max(125),
  /** ρ < 2^rhoBits for every v ≥ eps. */
  rhoBits: z.number().int().min(1).max(252),
  /** γ_i·√N·2^gammaScale, one per position in the group. */
  gamma: z.array(intString),
  gammaScale: scale,
  /** β_i·2^(gammaScale + sqrtScale) plus the rounding offset 2^(shift−1). */
  beta: z.array(intString),
  shift,
})

export type FixedLayerNormLayer = z.infer<typeof layerNormSchema>

export const layerNormGroupTemplate = circomTemplate('LayerNormGroup', 'nonlinear.circom', ['N', 'B', 'EPS', 'K', 'WR', 'W', 'G', 'BETA', 'k', 'BOUT'])

/** Bits of ρ at the largest variance the input range allows. */
export const RHO_PRECISION = 14

/** ⌊√n⌋ for n ≥ 0 (Newton's method on BigInts). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n
  let x = BigInt(Math.floor(Math.sqrt(Number(n))))
  while (x * x > n) x = (x + n / x) >> 1n
  while ((x + 1n) * (x + 1n) <= n) x += 1n
  return x
}

/** The largest v = Σc² + eps of a group of N `inputBits`-bit values (|c_i| < N·2^inputBits), as the template bounds it. */
function maxVariance(groupSize: number, inputBits: number, eps: bigint): bigint {
  const n = BigInt(groupSize)
  return n * n * n * (1n << BigInt(2 * inputBits)) + eps
}

/**
 * One group's values as LayerNormGroup computes them: c_i = N·x_i − Σx,
 * v = Σc_i² + eps, ρ = ⌊2^K/√v⌋ (the largest ρ with ρ²·v ≤ 2^(2K), which the
 * template finds bit by bit) and each accumulator gamma_i·c_i·ρ + beta_i.
 */
function layerNormParts(layer: Pick<FixedLayerNormLayer, 'eps' | 'sqrtScale' | 'gamma' | 'beta'>, x: readonly bigint[]): { c: bigint[]; v: bigint; rho: bigint; acc: bigint[] } {
  const n = BigInt(x.length)
  const total = x.reduce((a, b) => a + b, 0n)
  const c = x.map((v) => n * v - total)
  const v = c.reduce((a, b) => a + b * b, 0n) + BigInt(layer.eps)
  const rho = isqrt((1n << BigInt(2 * layer.sqrtScale)) / v)
  const gamma = asBigInts(layer.gamma)
  const beta = asBigInts(layer.beta)
  return { c, v, rho, acc: c.map((ci, i) => gamma[i]! * ci * rho + beta[i]!) }
}

/** The exact integer layer norm of one group, as LayerNormGroup computes it. */
export function layerNormGroup(layer: Pick<FixedLayerNormLayer, 'eps' | 'sqrtScale' | 'gamma' | 'beta' | 'shift'>, x: readonly bigint[]): bigint[] {
  const k = BigInt(layer.shift)
  return layerNormParts(layer, x).acc.map((a) => a >> k)
}

/** The witness of one LayerNormGroup component (`scope`) on its N inputs; returns its outputs. */
function layerNormGroupWitness(scope: WitnessScope, layer: FixedLayerNormLayer, x: readonly bigint[]): bigint[] {
  const N = x.length
  const WR = layer.rhoBits
  const W = 2 * layer.sqrtScale + 1
  const top = 1n << BigInt(2 * layer.sqrtScale)
  // Error labels are built only when a row does not fit (a path string per group would cost every witness).
  const where = (signal: string) => () => `layer "${layer.name}" ${scope.path}.${signal}`
  const { c, v, rho, acc } = layerNormParts(layer, x)
  scope.signals('in', [N]).fill(x)
  scope.signals('sq', [N]).fill(c.map((ci) => ci * ci))
  scope.signal('rho', rho)
  bitsRowWitness(scope.signals('rhobits', [WR]), 0, rho, WR, where('rhobits'))
  const rho2 = rho * rho
  const low = rho2 * v
  const step = (2n * rho + 1n) * v
  scope.signal('rho2', rho2)
  scope.signal('low', low)
  scope.signal('step', step)
  bitsRowWitness(scope.signals('lbits', [W]), 0, top - low, W, where('lbits'))
  bitsRowWitness(scope.signals('hbits', [W]), 0, low + step - top - 1n, W, where('hbits'))
  scope.signals('cr', [N]).fill(c.map((ci) => ci * rho))
  const obits = scope.signals('obits', [N, layer.shift + layer.bits])
  const rescale = { shift: layer.shift, bits: layer.bits, relu: false }
  const out = acc.map((a, i) => rescaleWitness(obits, i, a, rescale, layer.name))
  scope.signals('out', [N]).fill(out)
  return out
}

export const layerNormLayer: LayerKind<FixedLayerNormLayer, 'layernorm'> = {
  kind: 'layernorm',
  schema: layerNormSchema,
  templates: [layerNormGroupTemplate],
  quantize: {
    layernorm(op, context) {
      const s = context.scaleOf(op.input)
      const inputBits = context.bitsOf(op.input)
      const n = op.groupSize
      const eps = BigInt(Math.max(1, Math.round(n ** 3 * 2 ** (2 * s) * op.epsilon)))
      // (compareStructure recomputes it the same way)
      const vmaxBits = maxVariance(n, inputBits, eps).toString(2).length
      const sqrtScale = Math.ceil(vmaxBits / 2) + RHO_PRECISION
      const rhoBits = isqrt((1n << BigInt(2 * sqrtScale)) / eps).toString(2).length
      const scaled = Array.from(op.gamma, (g) => g * Math.sqrt(n))
      const largest = scaled.reduce((m, g) => Math.max(m, Math.abs(g)), 0)
      const gammaScale = largest > 0 ? Math.min(24, Math.floor(Math.log2((2 ** (context.weightBits - 1) - 1) / largest))) : 0
      const accScale = gammaScale + sqrtScale
      const outputScale = Math.min(accScale, context.scaleFor(op.output, op.name))
      const k = accScale - outputScale
      if (k + context.bits > 252) {
        throw new QuantizeError(`Layer "${op.name}" (layernorm) would rescale by 2^${k}: with ${context.bits} bits that is wider than a BN254 circuit decomposes soundly.`, {
          details: 'Use fewer --bits or --weight-bits.',
        })
      }
      const rounding = k > 0 ? 1n << BigInt(k - 1) : 0n
      return {
        kind: 'layernorm', name: op.name, input: op.input, output: op.output, scale: outputScale, bits: context.bits,
        inputBits, inputScale: s, groupSize: n, groups: context.sizeOf(op.input) / n, eps: String(eps), sqrtScale, rhoBits,
        gamma: scaled.map((g) => String(Math.round(g * 2 ** gammaScale))), gammaScale,
        beta: Array.from(op.beta, (b) => String(BigInt(Math.round(b * 2 ** accScale)) + rounding)), shift: k,
      }
    },
  },
  inputs: (layer) => [layer.input],
  outputSize: (layer) => layer.groups * layer.groupSize,
  evaluate(layer, [x]) {
    const y: bigint[] = []
    for (let g = 0; g < layer.groups; g++) y.push(...layerNormGroup(layer, x!.slice(g * layer.groupSize, (g + 1) * layer.groupSize)))
    checkRange(y, layer.bits, layer.name)
    return y
  },
  witness(layer, [x], scope, { component }) {
    const y: bigint[] = []
    for (let g = 0; g < layer.groups; g++) {
      y.push(...layerNormGroupWitness(scope.component(`${component}g${g}`), layer, x!.slice(g * layer.groupSize, (g + 1) * layer.groupSize)))
    }
    return y
  },
  checkWidths(layer, context) {
    const details = 'The fixed-point model is inconsistent; recompile it.'
    if (layer.inputBits !== context.inputBits[0]) context.fail(`${context.where} reads ${context.inputBits[0]}-bit values but says ${layer.inputBits}.`, details)
    if (layer.gamma.length !== layer.groupSize || layer.beta.length !== layer.groupSize) context.fail(`${context.where} has ${layer.gamma.length} gammas and ${layer.beta.length} betas for groups of ${layer.groupSize}.`, details)
    const eps = BigInt(layer.eps)
    if (eps < 1n) context.fail(`${context.where} has eps ${layer.eps}; the reciprocal square root needs at least 1.`, details)
    const vmax = maxVariance(layer.groupSize, layer.inputBits, eps)
    if (isqrt(vmax) >= 1n << BigInt(layer.sqrtScale - 1)) context.fail(`${context.where}: 2^${layer.sqrtScale} is too small for its largest variance (the root's bound needs √v < 2^(K−1)).`, details)
    if (isqrt((1n << BigInt(2 * layer.sqrtScale)) / eps) >= 1n << BigInt(layer.rhoBits)) context.fail(`${context.where}: its root can reach 2^${layer.rhoBits}.`, details)
    context.decomposition(2 * layer.sqrtScale + 1, 'the root\'s two bounds')
    context.decomposition(layer.rhoBits, 'the root\'s range')
    context.decomposition(layer.shift + layer.bits, `the rescale (shift ${layer.shift} + ${layer.bits} bits)`)
    // ρ²·v and (2ρ+1)·v for any ρ < 2^rhoBits; G·c·ρ + β for any c of the input range.
    context.accumulator(vmax << BigInt(2 * layer.rhoBits + 1), 'the root\'s products')
    const gmax = layer.gamma.reduce((m, g) => (BigInt(g) < 0n ? (-BigInt(g) > m ? -BigInt(g) : m) : BigInt(g) > m ? BigInt(g) : m), 0n)
    const bmax = layer.beta.reduce((m, b) => (BigInt(b) < 0n ? (-BigInt(b) > m ? -BigInt(b) : m) : BigInt(b) > m ? BigInt(b) : m), 0n)
    context.accumulator(gmax * BigInt(layer.groupSize) * (1n << BigInt(layer.inputBits + layer.rhoBits)) + bmax, 'its accumulator')
    // The same bounds LayerNormGroup asserts (circuits/nonlinear.circom), so a model that passes here compiles.
    const cmax = BigInt(layer.groupSize) << BigInt(layer.inputBits)
    const wide = 'Use fewer --bits.'
    if (vmax >= 1n << BigInt(249 - 2 * layer.rhoBits)) context.fail(`${context.where}: its variance bound needs 2^${2 * layer.rhoBits} more room than a BN254 product of the root has.`, wide)
    if (cmax << BigInt(layer.rhoBits) >= 1n << 250n || gmax >= (1n << 250n) / (cmax << BigInt(layer.rhoBits)) || bmax >= 1n << 249n) {
      context.fail(`${context.where}: its scaled gamma, beta or centred inputs are too wide for the accumulator G·c·ρ + β to stay below 2^250.`, wide)
    }
  },
  emit(layer, { component, sources: [x], target }) {
    const call = instantiateTemplate(layerNormGroupTemplate, {
      N: layer.groupSize, B: layer.inputBits, EPS: layer.eps, K: layer.sqrtScale, WR: layer.rhoBits, W: 2 * layer.sqrtScale + 1,
      G: layer.gamma, BETA: layer.beta, k: layer.shift, BOUT: layer.bits,
    })
    const lines: string[] = []
    for (let g = 0; g < layer.groups; g++) {
      const c = `${component}g${g}`
      const first = g * layer.groupSize
      lines.push(
        `    component ${c} = ${call};`,
        `    for (var k = 0; k < ${layer.groupSize}; k++) {`,
        `        ${c}.in[k] <== ${x}[${first} + k];`,
        '    }',
        `    for (var k = 0; k < ${layer.groupSize}; k++) {`,
        `        ${target}[${first} + k] <== ${c}.out[k];`,
        '    }',
      )
    }
    return lines
  },
  constraints: (layer, { o1 }) => layer.groups * layerNormGroupConstraints(layer, o1),
  describe: (layer) => `layer norm over ${layer.groups} groups of ${layer.groupSize} (exact mean and variance, proven ⌊2^${layer.sqrtScale}/√v⌋), rescale by 2^${layer.shift} to ${layer.bits} bits`,
  costKind: () => 'layernorm',
  // γ, β and ε are circuit constants (not a weight set): a fine-tune that changes them needs a new build.
  compareStructure(layer, op, same) {
    if (op.kind !== 'layernorm') return
    same(`layer "${layer.name}" group size`, layer.groupSize, op.groupSize)
    const n = op.groupSize
    const accScale = layer.gammaScale + layer.sqrtScale
    const rounding = layer.shift > 0 ? 1n << BigInt(layer.shift - 1) : 0n
    same(`layer "${layer.name}" gamma (a circuit constant)`, layer.gamma, Array.from(op.gamma, (g) => String(Math.round(g * Math.sqrt(n) * 2 ** layer.gammaScale))))
    same(`layer "${layer.name}" beta (a circuit constant)`, layer.beta, Array.from(op.beta, (b) => String(BigInt(Math.round(b * 2 ** accScale)) + rounding)))
    same(`layer "${layer.name}" epsilon (a circuit constant)`, layer.eps, String(BigInt(Math.max(1, Math.round(n ** 3 * 2 ** (2 * layer.inputScale) * op.epsilon)))))
  },
}

/**
 * Constraints of one LayerNormGroup at --O2: per group the root's range
 * (rhoBits), its three products and its two (2K+1)-bit bounds; per value c²,
 * c·ρ and the (shift + bits)-bit rescale. --O1 keeps the three decompositions'
 * sums per group and the rescale's sum and output per value.
 */
export function layerNormGroupConstraints(layer: Pick<FixedLayerNormLayer, 'groupSize' | 'sqrtScale' | 'rhoBits' | 'shift' | 'bits'>, o1: boolean): number {
  const perGroup = layer.rhoBits + 3 + 2 * (2 * layer.sqrtScale + 1) + (o1 ? 3 : 0)
  return perGroup + layer.groupSize * (2 + layer.shift + layer.bits + (o1 ? 2 : 0))
}
