import type { Argv } from 'yargs'
import { compileModel } from '../../compile/compileModel.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult, table } from '../output.js'

export function compileCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'compile <model>',
    'Import an ONNX model, quantize it and compile it to a circom circuit',
    (y) =>
      y
        .positional('model', { type: 'string', demandOption: true, describe: 'ONNX model file' })
        .option('out', { type: 'string', demandOption: true, describe: 'build folder to write' })
        .option('calibration', { type: 'string', demandOption: true, describe: 'JSONL of representative inputs for choosing scales' })
        .option('bits', { type: 'number', describe: 'signed bit width B of every activation (default 16, or searched with --target)' })
        .option('weight-bits', { type: 'number', describe: 'signed bit width of the weights (default: B)' })
        .option('target', { choices: ['accuracy', 'resources'] as const, describe: 'search bit widths: the fewest constraints keeping 99.5% (accuracy) or 98% (resources) top-1 agreement with the float model' })
        .option('validation', { type: 'string', describe: 'JSONL to score the --target search on (default: the calibration set)' })
        .option('headroom', { type: 'number', default: 1, describe: 'extra bits of range above the calibrated maximum' })
        .option('input-visibility', { choices: ['hashed', 'public', 'private'] as const, default: 'hashed' as const })
        .option('argmax', { type: 'boolean', default: true, describe: 'prove the predicted class too' })
        .option('optimize', { choices: [0, 1, 2] as const, describe: 'circom simplification level (default: 2 below 30k constraints, else 1)' })
        .option('name', { type: 'string', describe: 'model name (default: file name)' }),
    async (argv) => {
      const { manifest } = await compileModel({
        modelPath: argv.model,
        outDir: argv.out,
        calibrationPath: argv.calibration,
        ...(argv.bits !== undefined ? { bits: argv.bits } : {}),
        ...(argv['weight-bits'] !== undefined ? { weightBits: argv['weight-bits'] } : {}),
        ...(argv.target ? { target: argv.target } : {}),
        ...(argv.validation ? { validationPath: argv.validation } : {}),
        headroomBits: argv.headroom,
        inputVisibility: argv['input-visibility'],
        argmax: argv.argmax,
        ...(argv.optimize !== undefined ? { optimization: argv.optimize } : {}),
        ...(argv.name ? { name: argv.name } : {}),
        logger: loggerFor(argv),
      })
      printResult(argv.json, manifest, () =>
        [
          table(['part', 'kind', 'outputs', 'constraints'], manifest.constraints.layers.map((l) => [l.name, l.kind, l.outputs, l.constraints])),
          '',
          `${manifest.constraints.total} constraints, ${manifest.publicSignals.length} public signals (${manifest.publicSignals.map((s) => s.signal.replace('main.', '')).join(', ')})`,
          `wrote ${argv.out}/ — next: glassbox setup ${argv.out}`,
        ].join('\n'),
      )
    },
  )
}
