import type { Argv } from 'yargs'
import { runFixedPoint } from '../../quantize/runFixedPoint.js'
import type { GlobalOptions } from '../globalOptions.js'
import { ensureParentFolder, printResult } from '../output.js'

export function runCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'run <build>',
    'Fixed-point inference without proofs (fast; exactly what a proof would prove)',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true })
        .option('inputs', { type: 'string', demandOption: true, describe: 'JSONL of {"id","input"}' })
        .option('out', { type: 'string', describe: 'JSONL of outputs to write (default: print)' })
        .option('weights', { type: 'string', describe: 'weight-set file to run with (committed-weights builds; default: the build’s own weights)' }),
    async (argv) => {
      if (argv.out) await ensureParentFolder(argv.out)
      const outputs = await runFixedPoint({
        buildDir: argv.build,
        inputsPath: argv.inputs,
        ...(argv.out ? { outPath: argv.out } : {}),
        ...(argv.weights ? { weightsPath: argv.weights } : {}),
      })
      if (argv.out && !argv.json) process.stdout.write(`wrote ${outputs.length} outputs to ${argv.out}\n`)
      else printResult(argv.json, outputs, () => outputs.map((o) => JSON.stringify(o)).join('\n'))
    },
  )
}
