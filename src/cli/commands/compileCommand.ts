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
        .option('bits', { type: 'number', default: 16, describe: 'signed bit width B of every activation' })
        .option('headroom', { type: 'number', default: 1, describe: 'extra bits of range above the calibrated maximum' })
        .option('input-visibility', { choices: ['hashed', 'public', 'private'] as const, default: 'hashed' as const })
        .option('argmax', { type: 'boolean', default: true, describe: 'prove the predicted class too' })
        .option('optimize', { choices: [0, 1, 2] as const, default: 2 as const, describe: 'circom simplification level' })
        .option('name', { type: 'string', describe: 'model name (default: file name)' }),
    async (argv) => {
      const { manifest } = await compileModel({
        modelPath: argv.model,
        outDir: argv.out,
        calibrationPath: argv.calibration,
        bits: argv.bits,
        headroomBits: argv.headroom,
        inputVisibility: argv['input-visibility'],
        argmax: argv.argmax,
        optimization: argv.optimize,
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
