import { availableParallelism } from 'node:os'
import type { Argv } from 'yargs'
import { DEFAULT_RETRIES, DEFAULT_TASK_TIMEOUT_MS } from '../../prove/createPoolExecutor.js'
import { runQueueWorker } from '../../queue/runQueueWorker.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { claimInterrupts } from '../interrupts.js'
import { checkIntegerOptions } from '../optionChecks.js'

export function workerCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'worker',
    'Prove jobs from a BullMQ queue (`glassbox prove --queue`), on any number of machines, until stopped',
    (y) =>
      y
        .option('queue', { type: 'string', demandOption: true, describe: 'Redis URL, redis://host:port' })
        .option('workers', { type: 'number', default: availableParallelism(), describe: 'proving threads of this machine' })
        .option('backend', { choices: ['auto', 'native', 'snarkjs'] as const, default: 'auto' as const })
        .option('witness', { choices: ['native', 'wasm'] as const, default: 'native' as const })
        .option('build-cache', { type: 'string', describe: 'folder for builds fetched from Redis (default ~/.cache/glassbox/builds)' })
        .option('lock-duration', { type: 'number', default: 20_000, describe: 'ms a job stays locked without renewal; a dead worker\'s jobs are taken back after this' })
        .option('stalled-interval', { type: 'number', default: 10_000, describe: 'ms between checks for jobs of dead workers' })
        .option('task-timeout', { type: 'number', default: DEFAULT_TASK_TIMEOUT_MS, describe: 'ms before a task with no result has its thread replaced and is retried' })
        .option('retries', { type: 'number', default: DEFAULT_RETRIES, describe: 'attempts after a thread crash or timeout, and times a job may be taken back from a dead worker' })
        .check((argv) => checkIntegerOptions(argv, { workers: { min: 1 }, 'lock-duration': { min: 1000 }, 'stalled-interval': { min: 100 }, 'task-timeout': { min: 0 }, retries: { min: 0 } })),
    async (argv) => {
      const logger = loggerFor(argv)
      // Ctrl-C / SIGTERM: stop taking jobs and finish those in flight; a second one exits at once
      // (BullMQ hands the unfinished jobs to another worker once their locks expire).
      const controller = new AbortController()
      const releaseInterrupts = claimInterrupts(() => {
        if (controller.signal.aborted) process.exit(130)
        logger.warn('stopping: finishing the jobs in flight (press again to exit at once)')
        controller.abort()
      })
      try {
        await runQueueWorker({
          url: argv.queue,
          workers: argv.workers,
          backend: argv.backend,
          witness: argv.witness,
          ...(argv['build-cache'] ? { buildCacheDir: argv['build-cache'] } : {}),
          lockDurationMs: argv['lock-duration'],
          stalledIntervalMs: argv['stalled-interval'],
          maxStalledCount: argv.retries,
          taskTimeoutMs: argv['task-timeout'],
          retries: argv.retries,
          logger,
          signal: controller.signal,
        })
      } finally {
        releaseInterrupts()
      }
    },
  )
}
