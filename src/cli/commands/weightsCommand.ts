import type { Argv } from 'yargs'
import { makeWeightSet } from '../../weights/makeWeightSet.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { ensureParentFolder, printResult } from '../output.js'

export function weightsCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'weights <build>',
    'Write a weight set for a committed-weights build: the weights of a fine-tuned model of the same architecture (or the build’s own)',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true, describe: 'a build compiled with --weights committed' })
        .option('model', { type: 'string', describe: 'ONNX model to take the weights from (same architecture; default: the build’s own weights)' })
        .option('out', { type: 'string', demandOption: true, describe: 'weight-set file to write (JSON)' })
        .option('calibration', { type: 'string', describe: 'JSONL of inputs that must stay within the architecture’s ranges with the new weights' }),
    async (argv) => {
      const logger = loggerFor(argv)
      await ensureParentFolder(argv.out)
      const { set, outPath, checkedInputs } = await makeWeightSet({
        buildDir: argv.build,
        outPath: argv.out,
        ...(argv.model ? { modelPath: argv.model } : {}),
        ...(argv.calibration ? { calibrationPath: argv.calibration } : {}),
        logger,
      })
      const values = set.layers.reduce((n, l) => n + ('weight' in l ? l.weight.length + l.bias.length : l.factor.length + l.offset.length), 0)
      printResult(argv.json, { outPath, commitment: set.commitment, architecture: set.architecture, source: set.source, values, checkedInputs }, () =>
        [
          `wrote ${outPath}: ${values} values from ${set.source.file}${checkedInputs ? `, checked on ${checkedInputs} inputs` : ''}`,
          `weights commitment (Poseidon): ${set.commitment}`,
          `next: glassbox prove ${argv.build} --weights ${outPath} --inputs inputs.jsonl --out proofs.jsonl`,
        ].join('\n'),
      )
    },
  )
}
