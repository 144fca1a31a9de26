import { createServer, type Server } from 'node:http'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { NodeJournalState } from './nodeJournal.js'

export type CreateNodeMetricsParameters = {
  /** The replayed journal: counters start from its totals, so they survive restarts. */
  journal: NodeJournalState
}

export type NodeMetrics = {
  registry: Registry
  seen: Counter
  locked: Counter
  fulfilled: Counter
  slashed: Counter
  failed: Counter
  /** Wei paid to this node (a float: exact below 2^53 wei, ~0.009 ETH; the journal has the exact sum). */
  earnings: Counter
  proofs: Counter
  rpcErrors: Counter
  provingSeconds: Histogram
  lastBlock: Gauge
  stakeFree: Gauge
  stakeLocked: Gauge
  /** Serves `/metrics` on 127.0.0.1:port (0: any free port); resolves with the port. */
  listen(port: number): Promise<number>
  close(): Promise<void>
}

export type CreateNodeMetricsReturnType = NodeMetrics

/** Proofs in the last this many ms count for proofs per minute. */
const RATE_WINDOW_MS = 5 * 60_000

/**
 * The node's Prometheus metrics (prom-client, its own registry: nothing global), served in the
 * text exposition format on the loopback interface only. Names: `glassbox_node_requests_seen_total`,
 * `…_locked_total`, `…_fulfilled_total`, `…_slashed_total`, `…_failed_total`,
 * `glassbox_node_earnings_wei_total`, `glassbox_node_proofs_total`, `glassbox_node_proofs_per_minute`
 * (over the last 5 minutes), `glassbox_node_proving_seconds`, `glassbox_node_rpc_errors_total`,
 * `glassbox_node_last_block`, `glassbox_node_stake_free_wei`, `glassbox_node_stake_locked_wei`.
 */
export function createNodeMetrics({ journal }: CreateNodeMetricsParameters): CreateNodeMetricsReturnType {
  const registry = new Registry()
  const counter = (name: string, help: string) => new Counter({ name: `glassbox_node_${name}`, help, registers: [registry] })
  const gauge = (name: string, help: string) => new Gauge({ name: `glassbox_node_${name}`, help, registers: [registry] })
  const requests = [...journal.requests.values()]
  const metrics = {
    seen: counter('requests_seen_total', 'Requests for this node’s models seen on the market'),
    locked: counter('requests_locked_total', 'Requests this node locked'),
    fulfilled: counter('requests_fulfilled_total', 'Requests this node fulfilled'),
    slashed: counter('requests_slashed_total', 'Requests this node locked and was slashed for'),
    failed: counter('requests_failed_total', 'Requests this node could not answer'),
    earnings: counter('earnings_wei_total', 'Wei paid to this node by fulfilments'),
    proofs: counter('proofs_total', 'Proofs this node made'),
    rpcErrors: counter('rpc_errors_total', 'Failed rounds of talking to the RPC'),
    provingSeconds: new Histogram({ name: 'glassbox_node_proving_seconds', help: 'Witness + proof time per request', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers: [registry] }),
    lastBlock: gauge('last_block', 'Last block whose market events were processed'),
    stakeFree: gauge('stake_free_wei', 'Free stake on the market'),
    stakeLocked: gauge('stake_locked_wei', 'Stake locked as collateral'),
  }
  new Gauge({
    name: 'glassbox_node_proofs_per_minute',
    help: 'Proofs per minute over the last 5 minutes',
    registers: [registry],
    collect() {
      const since = Date.now() - RATE_WINDOW_MS
      this.set((journal.proofTimes.filter((t) => t >= since).length * 60_000) / RATE_WINDOW_MS)
    },
  })
  metrics.seen.inc(requests.length)
  metrics.locked.inc(requests.filter((r) => r.price !== undefined).length)
  metrics.fulfilled.inc(requests.filter((r) => r.state === 'fulfilled').length)
  metrics.slashed.inc(requests.filter((r) => r.slashed).length)
  metrics.failed.inc(requests.filter((r) => r.state === 'failed').length)
  metrics.earnings.inc(Number(journal.earnedWei))
  metrics.proofs.inc(journal.proofTimes.length)
  if (journal.lastBlock >= 0) metrics.lastBlock.set(journal.lastBlock)

  let server: Server | undefined
  return {
    registry,
    ...metrics,
    listen(port) {
      server = createServer((request, response) => {
        if (request.method !== 'GET' || (request.url ?? '/').split('?')[0] !== '/metrics') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('glassbox node: metrics are at /metrics\n')
          return
        }
        registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
        )
      })
      const listening = server
      return new Promise((resolve, reject) => {
        listening.once('error', reject)
        listening.listen(port, '127.0.0.1', () => {
          const address = listening.address()
          resolve(typeof address === 'object' && address ? address.port : port)
        })
      })
    },
    async close() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    },
  }
}
