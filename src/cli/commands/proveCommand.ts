import type { Argv } from 'yargs'
import { CheckFailedError, InterruptedError } from '../../errors.js'
import { DEFAULT_RETRIES, DEFAULT_TASK_TIMEOUT_MS } from '../../prove/createPoolExecutor.js'
import { proveBatch } from '../../prove/proveBatch.js'
import type { ProveBatchReturnType } from '../../prove/proveBatch.js'
import { redactRedisUrl } from '../../queue/redisConnection.js'
import { warnIfSingleContribution } from '../../setup/warnIfSingleContribution.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printableCommand } from '../commandLine.js'
import { claimInterrupts } from '../interrupts.js'
import { checkIntegerOptions } from '../optionChecks.js'
import { ensureParentFolder, printResult } from '../output.js'
import { createProgress } from '../progress.js'

export function proveCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'prove <build>',
    'Prove a batch of inferences over a pool of worker threads, or through a BullMQ queue (resumable)',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true })
        .option('inputs', { type: 'string', demandOption: true, describe: 'JSONL of {"id","input"}, streamed' })
        .option('out', { type: 'string', demandOption: true, describe: 'proofs JSONL (appended; rerun to resume); errors go to <out>.errors.jsonl' })
        .option('workers', { type: 'number', describe: 'worker threads (an integer ≥ 1; default: one per core, but no more than the inputs left nor than fit in memory with this key)' })
        .option('backend', { choices: ['auto', 'native', 'snarkjs'] as const, default: 'auto' as const, describe: 'auto: native when its addon is built, else snarkjs' })
        .option('witness', { choices: ['native', 'wasm'] as const, default: 'native' as const, describe: "witness generator: native (glassbox's own; circom's wasm if it cannot serve the build) or wasm" })
        .option('prover', { type: 'string', describe: 'address bound into every proof (only it can submit them)' })
        .option('max-failures', { type: 'number', describe: 'stop after this many inputs failed in this run' })
        .option('task-timeout', { type: 'number', default: DEFAULT_TASK_TIMEOUT_MS, describe: 'ms before a task with no result has its worker replaced and is retried (0: no limit)' })
        .option('retries', { type: 'number', default: DEFAULT_RETRIES, describe: 'attempts after a worker crash or timeout before the input is an error line' })
        .option('in-flight', { type: 'number', describe: 'inputs in flight at most (default 2 × workers + 2; with --queue 64)' })
        .option('queue', { type: 'string', describe: 'prove through BullMQ on this Redis (redis://host:port) instead of local workers; run `glassbox worker` on any machines' })
        .option('publish-limit', { type: 'number', default: 64, describe: 'with --queue: publish build artifacts up to this many MiB into Redis (larger builds: give workers a shared path)' })
        .option('weights', { type: 'string', describe: 'weight-set file to prove with (committed-weights builds; default: the build’s own weights)' })
        .check((argv) =>
          checkIntegerOptions(argv, { workers: { min: 1 }, 'max-failures': { min: 1 }, 'task-timeout': { min: 0 }, retries: { min: 0 }, 'in-flight': { min: 1 }, 'publish-limit': { min: 1 } }),
        ),
    async (argv) => {
      const logger = loggerFor(argv)
      await ensureParentFolder(argv.out)
      await warnIfSingleContribution({ buildDir: argv.build, logger })
      if (!argv.prover) logger.warn('no --prover given: proofs are bound to the zero address and cannot be submitted to a registry')
      const progress = createProgress('proving', { quiet: argv.quiet || argv.json })
      // Ctrl-C / SIGTERM: stop scheduling and let the proofs in flight finish. A second one exits
      // at once: every line on disk is whole or repaired on the next run, so nothing is lost.
      const controller = new AbortController()
      let stoppedBy: NodeJS.Signals | undefined
      const releaseInterrupts = claimInterrupts((signal) => {
        if (controller.signal.aborted) {
          process.stderr.write('\nabandoned the proofs in flight; rerun the same command to resume\n')
          process.exit(130)
        }
        stoppedBy = signal
        logger.warn('stopping: finishing the proofs in flight (press again to abandon them); rerun the same command to resume')
        controller.abort()
      })
      let result: ProveBatchReturnType
      try {
        result = await proveBatch({
          buildDir: argv.build,
          inputsPath: argv.inputs,
          outPath: argv.out,
          ...(argv.workers !== undefined ? { workers: argv.workers } : {}),
          backend: argv.backend,
          witness: argv.witness,
          ...(argv.prover ? { prover: argv.prover } : {}),
          ...(argv['max-failures'] !== undefined ? { maxFailures: argv['max-failures'] } : {}),
          taskTimeoutMs: argv['task-timeout'],
          retries: argv.retries,
          ...(argv['in-flight'] !== undefined ? { maxInFlight: argv['in-flight'] } : argv.queue ? { maxInFlight: 64 } : {}),
          ...(argv.queue
            ? {
                // Imported only with --queue: BullMQ and its Redis client take a while to load.
                executor: (await import('../../queue/createQueueExecutor.js')).createQueueExecutor({ url: argv.queue, buildDir: argv.build, publishLimitBytes: argv['publish-limit'] * 1024 * 1024, logger }),
              }
            : {}),
          signal: controller.signal,
          abortMode: 'drain',
          ...(argv.weights ? { weightsPath: argv.weights } : {}),
          logger,
          onProgress: (p) => {
            const settled = p.done + p.failed + p.skipped + p.alreadyFailed
            // The total is counted alongside the run; until then there is nothing to show a rate against.
            if (p.total !== undefined) progress.update(settled, Math.max(p.total ?? 0, settled), p.last ? `${p.last.id} ${p.last.ok ? `${p.last.ms} ms` : 'failed'}` : '')
          },
        })
      } finally {
        progress.stop()
        releaseInterrupts()
      }
      const where = argv.queue ? `through ${redactRedisUrl(argv.queue)}` : `with ${result.workers} ${result.backend} worker(s)`
      printResult(argv.json, result, () =>
        [
          `proven ${result.proven}, already done ${result.skipped}, failed ${result.failed}${result.alreadyFailed ? ` (+${result.alreadyFailed} from earlier runs)` : ''} in ${result.seconds.toFixed(1)} s ${where}: ${result.proofsPerMinute.toFixed(1)} proofs/min`,
          `proofs → ${result.outPath}${result.failed + result.alreadyFailed ? `, errors → ${result.errorsPath}` : ''}`,
          ...(result.stopped === 'max-failures' ? [`stopped early: --max-failures ${argv['max-failures']} reached; rerun to go on`] : []),
          ...(result.stopped === 'aborted' ? ['stopped by a signal; rerun the same command to resume'] : []),
        ].join('\n'),
      )
      if (result.stopped === 'aborted' && stoppedBy) {
        throw new InterruptedError(`interrupted (${stoppedBy === 'SIGINT' ? 'Ctrl-C' : stoppedBy}).`, {
          details: `The proofs written so far are kept (those in flight were finished). To resume, rerun the same command; finished ids are skipped and a line torn by the interrupt is dropped:\n  ${printableCommand(process.argv.slice(2))}`,
        })
      }
      if (result.failed || result.alreadyFailed || result.stopped !== 'complete') {
        throw new CheckFailedError(
          result.stopped === 'aborted'
            ? 'The batch was stopped before the end.'
            : `${result.failed + result.alreadyFailed} input(s) could not be proven${result.alreadyFailed ? ` (${result.alreadyFailed} in earlier runs)` : ''}.`,
          { details: `${result.failed ? '' : `See ${result.errorsPath}; delete it to try those inputs again.`}${result.failures.slice(0, 5).map((f) => `line ${f.line}${f.id !== null ? ` (${f.id})` : ''}: ${f.message}`).join('\n')}${result.failed > 5 ? `\n… all in ${result.errorsPath}` : ''}` },
        )
      }
    },
  )
}
