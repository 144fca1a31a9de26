import { availableParallelism } from 'node:os'
import type { Argv } from 'yargs'
import { CheckFailedError } from '../../errors.js'
import { proveBatch } from '../../prove/proveBatch.js'
import { warnIfSingleContribution } from '../../setup/warnIfSingleContribution.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { checkIntegerOptions } from '../optionChecks.js'
import { ensureParentFolder, printResult } from '../output.js'
import { createProgress } from '../progress.js'

export function proveCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'prove <build>',
    'Prove a batch of inferences over a pool of worker threads (resumable)',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true })
        .option('inputs', { type: 'string', demandOption: true, describe: 'JSONL of {"id","input"}' })
        .option('out', { type: 'string', demandOption: true, describe: 'proofs JSONL (appended; rerun to resume)' })
        .option('workers', { type: 'number', default: availableParallelism(), describe: 'worker threads (an integer ≥ 1; default: the cores)' })
        .check((argv) => checkIntegerOptions(argv, { workers: { min: 1 } }))
        .option('backend', { choices: ['auto', 'native', 'snarkjs'] as const, default: 'auto' as const, describe: 'auto: native when its addon is built, else snarkjs' })
        .option('witness', { choices: ['native', 'wasm'] as const, default: 'native' as const, describe: 'witness generator: native (C++, when built; wasm until then) or wasm' })
        .option('prover', { type: 'string', describe: 'address bound into every proof (only it can submit them)' })
        .option('weights', { type: 'string', describe: 'weight-set file to prove with (committed-weights builds; default: the build’s own weights)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      await ensureParentFolder(argv.out)
      await warnIfSingleContribution({ buildDir: argv.build, logger })
      if (!argv.prover) logger.warn('no --prover given: proofs are bound to the zero address and cannot be submitted to a registry')
      const progress = createProgress('proving', { quiet: argv.quiet || argv.json })
      let result
      try {
        result = await proveBatch({
          buildDir: argv.build,
          inputsPath: argv.inputs,
          outPath: argv.out,
          workers: argv.workers,
          backend: argv.backend,
          witness: argv.witness,
          ...(argv.prover ? { prover: argv.prover } : {}),
          ...(argv.weights ? { weightsPath: argv.weights } : {}),
          logger,
          onProgress: (p) => progress.update(p.done + p.failed, p.total, p.last ? `${p.last.id} ${p.last.ms} ms` : ''),
        })
      } finally {
        progress.stop()
      }
      const rate = result.seconds > 0 ? (result.proven / result.seconds) * 60 : 0
      printResult(argv.json, result, () =>
        `proved ${result.proven} (${result.skipped} already done) in ${result.seconds.toFixed(1)} s with ${result.workers} ${result.backend} workers: ${rate.toFixed(1)} proofs/min → ${argv.out}`,
      )
      if (result.failures.length) {
        throw new CheckFailedError(`${result.failures.length} input(s) could not be proven.`, {
          details: result.failures.slice(0, 5).map((f) => `${f.id}: ${f.message}`).join('\n'),
        })
      }
    },
  )
}
