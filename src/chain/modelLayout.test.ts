import { describe, expect, it } from 'vitest'
import type { Manifest } from '../artifacts/manifest.js'
import { ChainError } from '../errors.js'
import { decodeFulfilmentOutputs } from './decodeFulfilmentOutputs.js'
import { modelLayout } from './modelLayout.js'

type Signal = { index: number; role: string; signal: string; position: number; packing?: unknown }

function manifest(signals: Signal[], setup: Partial<NonNullable<Manifest['setup']>> & { transcriptSha256?: string } = {}): Manifest {
  return {
    name: 'm',
    publicSignals: signals,
    weights: { visibility: 'constant', commitment: '7' },
    setup: { ptau: { power: 10, sha256: 'x', source: 'dev', insecure: true }, createdAt: 'now', ...setup },
  } as unknown as Manifest
}

const sig = (index: number, role: string): Signal => ({ index, role, signal: `main.${role}`, position: 0 })

describe('modelLayout', () => {
  it('constant weights: roles, indices, free signals, dev flag, no transcript', () => {
    const layout = modelLayout(manifest([sig(0, 'output'), sig(1, 'output'), sig(2, 'class'), sig(3, 'inputHash'), sig(4, 'prover')]))
    expect(layout).toMatchObject({ signalRoles: '0x0000010204', nPublic: 5, proverIndex: 4, inputHashIndex: 3, weightsIndex: 65_535, freeIndices: [0, 1, 2], dev: true, weights: 'constant' })
    expect(layout.transcriptHash).toBe(`0x${'00'.repeat(32)}`)
  })

  it('committed weights (a weightsCommitment signal) and a setup transcript', () => {
    const transcript = 'ab'.repeat(32)
    const layout = modelLayout(
      manifest([sig(0, 'output'), sig(1, 'inputHash'), sig(2, 'weightsCommitment'), sig(3, 'prover')], { ptau: { power: 10, sha256: 'x', source: 'imported', insecure: false }, transcriptSha256: transcript }),
    )
    expect(layout).toMatchObject({ signalRoles: '0x00020504', weightsIndex: 2, freeIndices: [0], dev: false, weights: 'committed', transcriptHash: `0x${transcript}` })
  })

  it('packed outputs: one role-6 word, opaque to the market, decoded by the client with the manifest', () => {
    const packing = { first: 0, count: 3, bits: 16, class: true, classBits: 2 }
    const m = { ...manifest([{ ...sig(0, 'packedOutputs'), packing } as Signal, sig(1, 'inputHash'), sig(2, 'prover')]), output: { shape: [1, 3], scale: 4 } } as unknown as Manifest
    expect(modelLayout(m)).toMatchObject({ signalRoles: '0x060204', nPublic: 3, freeIndices: [0], inputHashIndex: 1, proverIndex: 2 })
    const word = (-5n + 32768n) + ((7n + 32768n) << 16n) + ((0n + 32768n) << 32n) + (1n << 48n)
    expect(decodeFulfilmentOutputs(m, [word])).toEqual({ outputQ: [-5n, 7n, 0n], output: [-5 / 16, 7 / 16, 0], class: 1 })
    expect(() => decodeFulfilmentOutputs(m, [word + (1n << 60n)])).toThrow(/bits set beyond/)
  })

  it('refuses a model without a prover signal, without keys, or with a malformed transcript hash', () => {
    expect(() => modelLayout(manifest([sig(0, 'output')]))).toThrow(ChainError)
    expect(() => modelLayout({ ...manifest([sig(0, 'prover')]), setup: undefined } as unknown as Manifest)).toThrow(/no keys/)
    expect(() => modelLayout(manifest([sig(0, 'prover')], { transcriptSha256: 'xyz' }))).toThrow(/32 bytes/)
  })
})
