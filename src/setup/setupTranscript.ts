import { createHash } from 'node:crypto'
import type { Manifest } from '../artifacts/manifest.js'
import type { ReadZkeyContributionsReturnType } from './readZkeyContributions.js'

export type SetupTranscript = Required<Pick<NonNullable<Manifest['setup']>, 'circuitHash' | 'contributions' | 'transcriptSha256'>>

/**
 * The transcript the manifest records for a key: its circuit hash, its
 * contributions (name, hash, type, beacon) and `transcriptSha256`, the
 * SHA-256 of the contribution hashes' 64-byte values concatenated oldest
 * first — one value that names the whole ceremony (recorded on-chain with the
 * model). Pure.
 */
export function setupTranscript({ circuitHash, contributions }: Pick<ReadZkeyContributionsReturnType, 'circuitHash' | 'contributions'>): SetupTranscript {
  const hasher = createHash('sha256')
  for (const c of contributions) hasher.update(Buffer.from(c.hash, 'hex'))
  return {
    circuitHash,
    contributions: contributions.map((c) => ({ name: c.name, hash: c.hash, type: c.type, ...(c.beacon ? { beacon: { ...c.beacon } } : {}) })),
    transcriptSha256: hasher.digest('hex'),
  }
}
