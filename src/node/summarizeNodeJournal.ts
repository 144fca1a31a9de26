import type { NodeJournalState, NodeRequestState } from './nodeJournal.js'

export type NodeSummary = {
  address?: string
  market?: string
  chainId?: string
  models: { name: string; modelId: string }[]
  lastBlock: number
  /** Requests by this node's state of them. */
  requests: Record<NodeRequestState, number> & { total: number }
  /** Requests this node locked (each at most once), fulfilled, and was slashed for. */
  locked: number
  fulfilled: number
  late: number
  slashed: number
  /** Proofs made, and requests proven more than once by this node (work done twice). */
  proofs: number
  duplicateProofs: number
  /** Proofs per minute over the last 5 minutes before `now`, and the mean proof time (ms). */
  proofsPerMinute: number
  meanProofMs: number | null
  earnedWei: bigint
  withdrawnWei: bigint
  starts: number
  lastStop?: { at: string; reason: string }
  /** Requests still in progress: id, state and model. */
  open: { id: bigint; state: NodeRequestState; model?: string }[]
}

export type SummarizeNodeJournalReturnType = NodeSummary

/**
 * What a node's journal says it did: counts by state, locks, fulfilments, slashes, proofs
 * (and any request proven twice), earnings and withdrawals. Pure; `now` in ms.
 */
export function summarizeNodeJournal(state: NodeJournalState, now: number = Date.now()): SummarizeNodeJournalReturnType {
  const counts = { seen: 0, locking: 0, locked: 0, proving: 0, fulfilled: 0, failed: 0, skipped: 0, gone: 0, total: 0 } satisfies NodeSummary['requests']
  const requests = [...state.requests.values()]
  for (const r of requests) {
    counts[r.state]++
    counts.total++
  }
  const recent = state.proofTimes.filter((t) => t >= now - 5 * 60_000).length
  const summary: NodeSummary = {
    ...(state.identity ?? {}),
    models: state.models,
    lastBlock: state.lastBlock,
    requests: counts,
    locked: requests.filter((r) => r.price !== undefined).length,
    fulfilled: counts.fulfilled,
    late: requests.filter((r) => r.state === 'fulfilled' && r.late).length,
    slashed: requests.filter((r) => r.slashed).length,
    proofs: state.proofTimes.length,
    duplicateProofs: requests.reduce((n, r) => n + Math.max(0, r.proofs - 1), 0),
    proofsPerMinute: recent / 5,
    meanProofMs: state.proofMs.length ? state.proofMs.reduce((a, b) => a + b, 0) / state.proofMs.length : null,
    earnedWei: state.earnedWei,
    withdrawnWei: state.withdrawnWei,
    starts: state.starts,
    open: requests.filter((r) => !['fulfilled', 'failed', 'skipped', 'gone'].includes(r.state)).map((r) => ({ id: r.id, state: r.state, ...(r.model ? { model: r.model } : {}) })),
  }
  if (state.lastStop) summary.lastStop = state.lastStop
  return summary
}
