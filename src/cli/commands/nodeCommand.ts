import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Argv } from 'yargs'
import { formatEther } from 'ethers'
import { NodeStateError, UsageError } from '../../errors.js'
import { journalPath, readNodeJournal } from '../../node/openNodeJournal.js'
import { runProverNode } from '../../node/runProverNode.js'
import { summarizeNodeJournal, type NodeSummary } from '../../node/summarizeNodeJournal.js'
import { chainOptions, openChain, parseWei } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { claimInterrupts } from '../interrupts.js'
import { checkIntegerOptions } from '../optionChecks.js'
import { printResult } from '../output.js'

/** `$XDG_STATE_HOME/glassbox/node`, else `~/.local/state/glassbox/node`. */
const defaultStateDir = () => join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'glassbox', 'node')

export function nodeCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'node',
    'Run a prover node: follow the market, lock the requests that pay, prove, fulfil, collect (until SIGTERM / Ctrl-C)',
    (y) =>
      chainOptions(y)
        .command(
          'status',
          'Summarize a node’s journal: requests by state, locks, fulfilments, slashes, proofs, earnings',
          (s) => s.option('state', { type: 'string', describe: 'the node’s state folder (default: ~/.local/state/glassbox/node)' }),
          async (argv) => {
            const path = journalPath(argv.state ?? defaultStateDir())
            if (!existsSync(path)) throw new NodeStateError(`No node journal at ${path}.`, { details: 'Pass the --state folder the node runs with (default ~/.local/state/glassbox/node).' })
            const state = await readNodeJournal(path)
            const summary = summarizeNodeJournal(state)
            printResult(argv.json, summary, () => describeSummary(summary))
          },
        )
        .option('models', { type: 'string', describe: 'build folders to serve, comma-separated (each set up and deployed on the market)' })
        .option('state', { type: 'string', describe: 'state folder for the journal (default: ~/.local/state/glassbox/node)' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket (default: from the builds’ deployment.json)' })
        .option('from-block', { type: 'number', describe: 'first block to read events from when the journal has none (default: the market’s deployment block)' })
        .option('price-per-second', { type: 'string', default: '1e12', describe: 'the node’s price of one second of proving, wei' })
        .option('price-floor', { type: 'string', default: '1e14', describe: 'the least the node takes for a request, wei (gas is added)' })
        .option('workers', { type: 'number', default: 1, describe: 'proving threads per model' })
        .option('backend', { choices: ['auto', 'native', 'snarkjs'] as const, default: 'auto' as const })
        .option('stake', { type: 'string', describe: 'stake to keep deposited, wei (the difference is deposited at start; earnings above it are withdrawn)' })
        .option('max-locked', { type: 'number', describe: 'requests held locked at once, at most (default 2 × workers × models)' })
        .option('reorg-depth', { type: 'number', default: 5, describe: 'blocks re-read on every poll, for reorgs' })
        .option('poll', { type: 'number', describe: 'ms between polls (default 1000 on this machine’s chain, else 4000)' })
        .option('withdraw-every', { type: 'number', default: 3600, describe: 'seconds between withdrawals of earnings (0: never)' })
        .option('withdraw-to', { type: 'string', describe: 'where earnings go (default: the node’s account)' })
        .option('serve-late', { type: 'boolean', default: true, describe: 'answer requests other provers locked and missed (--no-serve-late: never)' })
        .option('late-slot', { type: 'number', default: 10, describe: 'seconds per turn among provers for answering a missed lock (on top of 3× the proof time)' })
        .option('metrics-port', { type: 'number', describe: 'serve Prometheus metrics on 127.0.0.1:PORT/metrics (0: any free port)' })
        .check((argv) => checkIntegerOptions(argv, { workers: { min: 1 }, 'max-locked': { min: 1 }, 'reorg-depth': { min: 0, max: 1000 }, poll: { min: 50 }, 'withdraw-every': { min: 0 }, 'metrics-port': { min: 0, max: 65535 }, 'late-slot': { min: 0 }, 'from-block': { min: 0 } })),
    async (argv) => {
      if (!argv.models) throw new UsageError('glassbox node needs --models build/a[,build/b…].')
      if (argv.rpc === undefined) throw new UsageError('glassbox node needs --rpc: the embedded chain only lives inside one command, so no requester could reach it.')
      const logger = loggerFor(argv)
      const controller = new AbortController()
      // First SIGTERM / Ctrl-C: no new locks; what is locked is proven and fulfilled (the market
      // has no unlock). A second one exits at once: the journal lets a restart finish it.
      const releaseInterrupts = claimInterrupts((signal) => {
        if (controller.signal.aborted) {
          process.stderr.write(`\n${signal}: exiting now. The journal keeps what this node holds: run the same command again to prove and fulfil it.\n`)
          process.exit(130)
        }
        logger.warn(`${signal}: stopping (finishing the requests this node holds; press again to exit at once, a restart resumes them)`)
        controller.abort()
      })
      const chain = await openChain(argv, { logger })
      try {
        const summary = await runProverNode({
          chain,
          builds: argv.models.split(',').map((b) => b.trim()).filter(Boolean),
          stateDir: argv.state ?? defaultStateDir(),
          marketAddress: argv.registry,
          fromBlock: argv.fromBlock,
          pricePerSecond: parseWei(argv.pricePerSecond, 'price-per-second') as bigint,
          priceFloor: parseWei(argv.priceFloor, 'price-floor') as bigint,
          workers: argv.workers,
          backend: argv.backend,
          stake: parseWei(argv.stake, 'stake'),
          maxLocked: argv.maxLocked,
          reorgDepth: argv.reorgDepth,
          pollMs: argv.poll,
          withdrawEverySeconds: argv.withdrawEvery,
          withdrawTo: argv.withdrawTo,
          serveLate: argv.serveLate,
          lateSlotSeconds: argv.lateSlot,
          metricsPort: argv.metricsPort,
          signal: controller.signal,
          logger,
        })
        printResult(argv.json, summary, () => describeSummary(summary))
      } finally {
        releaseInterrupts()
        await chain.close()
      }
    },
  )
}

function describeSummary(s: NodeSummary): string {
  const r = s.requests
  return [
    `node      ${s.address ?? '(never started)'} on market ${s.market ?? '?'} (chain ${s.chainId ?? '?'}), ${s.starts} start(s)`,
    `models    ${s.models.map((m) => m.name).join(', ') || '—'}; events read to block ${s.lastBlock}`,
    `requests  ${r.total} seen: ${s.locked} locked, ${s.fulfilled} fulfilled (${s.late} late), ${r.failed} failed, ${r.skipped} skipped, ${r.gone} taken by others; ${s.slashed} slashed`,
    `proofs    ${s.proofs} (${s.duplicateProofs} of a request proven before), ${s.proofsPerMinute.toFixed(1)}/min over 5 min${s.meanProofMs !== null ? `, mean ${Math.round(s.meanProofMs)} ms` : ''}`,
    `earnings  ${s.earnedWei} wei (${formatEther(s.earnedWei)} ETH); withdrawn ${s.withdrawnWei} wei`,
    ...(s.open.length ? [`open      ${s.open.map((o) => `${o.id} ${o.state}`).join(', ')}`] : []),
    ...(s.lastStop ? [`stopped   ${s.lastStop.at} (${s.lastStop.reason})`] : []),
  ].join('\n')
}
