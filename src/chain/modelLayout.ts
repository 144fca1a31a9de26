import { toBeHex, zeroPadValue } from 'ethers'
import type { Manifest } from '../artifacts/manifest.js'
import { ChainError } from '../errors.js'
import { NO_SIGNAL, SIGNAL_ROLE_CODES, type SignalRole } from './marketTypes.js'

export type ModelLayout = {
  /** One role byte per public signal, hex: what `register` takes and the model id hashes. */
  signalRoles: string
  nPublic: number
  proverIndex: number
  /** {@link NO_SIGNAL} when the input is not hashed. */
  inputHashIndex: number
  /** {@link NO_SIGNAL} for constant weights. */
  weightsIndex: number
  /** Positions of the signals a fulfilment passes (`outputs`): all but prover, input hash, weights. */
  freeIndices: number[]
  /** True for a dev (insecure) setup. */
  dev: boolean
  /** bytes32: `manifest.setup.transcriptSha256`, or zero. */
  transcriptHash: string
  /** `committed` when the weights are a public commitment signal. */
  weights: 'constant' | 'committed'
}

/**
 * What the registry records about a build: its public-signal roles (from the manifest's layout),
 * the dev flag and the setup transcript hash. Accepts manifests with and without committed weights.
 *
 * @throws {ChainError} When the manifest has no setup, no prover signal, or an index gap.
 */
export function modelLayout(manifest: Manifest): ModelLayout {
  const signals = [...manifest.publicSignals].sort((a, b) => a.index - b.index)
  if (signals.some((s, i) => s.index !== i)) throw new ChainError(`The manifest of "${manifest.name}" has gaps in its public-signal indices.`, { details: 'Recompile the model.' })
  const roles = signals.map((s) => {
    const code = SIGNAL_ROLE_CODES[s.role as SignalRole]
    if (code === undefined) throw new ChainError(`Unknown public-signal role "${s.role}" in the manifest of "${manifest.name}".`)
    return code
  })
  const indexOf = (role: SignalRole) => {
    const i = signals.findIndex((s) => s.role === role)
    return i < 0 ? NO_SIGNAL : i
  }
  const proverIndex = indexOf('prover')
  if (proverIndex === NO_SIGNAL) throw new ChainError(`"${manifest.name}" has no prover signal: its proofs could be stolen from the mempool.`, { details: 'Recompile with a current glassbox.' })
  if (!manifest.setup) throw new ChainError(`"${manifest.name}" has no keys yet.`, { details: 'Run glassbox setup first.' })
  const inputHashIndex = indexOf('inputHash')
  const weightsIndex = indexOf('weightsCommitment')
  const transcript = manifest.setup.transcriptSha256
  if (transcript !== undefined && !/^(0x)?[0-9a-fA-F]{64}$/.test(transcript)) {
    throw new ChainError(`manifest.setup.transcriptSha256 of "${manifest.name}" is not 32 bytes of hex.`)
  }
  return {
    signalRoles: `0x${roles.map((r) => r.toString(16).padStart(2, '0')).join('')}`,
    nPublic: signals.length,
    proverIndex,
    inputHashIndex,
    weightsIndex,
    freeIndices: signals.map((_, i) => i).filter((i) => i !== proverIndex && i !== inputHashIndex && i !== weightsIndex),
    dev: manifest.setup.ptau.insecure || manifest.setup.ptau.source === 'dev',
    transcriptHash: transcript === undefined ? zeroPadValue('0x', 32) : toBeHex(BigInt(transcript.startsWith('0x') ? transcript : `0x${transcript}`), 32),
    weights: weightsIndex === NO_SIGNAL ? 'constant' : 'committed',
  }
}
