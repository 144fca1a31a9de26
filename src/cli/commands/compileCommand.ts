import type { Argv } from 'yargs'
import { compileModel } from '../../compile/compileModel.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { describeAccuracy } from '../../compile/compileModel.js'
import { checkIntegerOptions } from '../optionChecks.js'
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
        .option('bits', { type: 'number', describe: 'signed bit width B of every activation, 4 to 40 (default 16, or searched with --target)' })
        .option('weight-bits', { type: 'number', describe: 'signed bit width of the weights, 4 to 40 (default: B)' })
        .option('target', { choices: ['accuracy', 'resources'] as const, describe: 'search bit widths (not with --bits/--weight-bits): the fewest constraints keeping 99.5% (accuracy) or 98% (resources) top-1 agreement with the float model, judged on --validation or a held-out fifth of the calibration set' })
        .option('validation', { type: 'string', describe: 'JSONL (labels optional) to report fixed-point vs float agreement on, and to judge the --target search on' })
        .option('headroom', { type: 'number', default: 1, describe: 'extra bits of range above the calibrated maximum (0 to 16)' })
        .option('input-scaling', { choices: ['auto', 'uniform', 'per-feature'] as const, default: 'auto' as const, describe: 'one input scale, one per feature (per channel for a conv input) folded into the first layer, or per feature only where ranges differ 256×+ (auto)' })
        .check((argv) => checkIntegerOptions(argv, { bits: { min: 4, max: 40 }, 'weight-bits': { min: 4, max: 40 }, headroom: { min: 0, max: 16 } }))
        .conflicts('target', ['bits', 'weight-bits'])
        .option('input-visibility', { choices: ['hashed', 'public', 'private'] as const, default: 'hashed' as const })
        .option('weights', {
          choices: ['constant', 'committed'] as const,
          default: 'constant' as const,
          describe: 'constant: baked into the circuit; committed: private signals with a public Poseidon commitment, one circuit and key for every weight set (fine-tunes) of the architecture, at one constraint per multiply-accumulate',
        })
        .option('argmax', { type: 'boolean', default: true, describe: 'prove the predicted class too' })
        .option('output-signals', { choices: ['packed', 'separate'] as const, default: 'packed' as const, describe: 'outputs and class packed into as few public words as fit (~6.2k gas less per signal saved), or one public signal each' })
        .option('salt', { type: 'boolean', default: true, describe: 'hashed input: take an optional private salt for input privacy (one Poseidon(2), ~240 constraints; --no-salt leaves it out)' })
        .option('optimize', { choices: [0, 1, 2] as const, describe: 'circom simplification level (default: 2 below 30k constraints, else 1)' })
        .option('name', { type: 'string', describe: 'model name (default: file name)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const { manifest, witness } = await compileModel({
        modelPath: argv.model,
        outDir: argv.out,
        calibrationPath: argv.calibration,
        ...(argv.bits !== undefined ? { bits: argv.bits } : {}),
        ...(argv['weight-bits'] !== undefined ? { weightBits: argv['weight-bits'] } : {}),
        ...(argv.target ? { target: argv.target } : {}),
        ...(argv.validation ? { validationPath: argv.validation } : {}),
        headroomBits: argv.headroom,
        inputScaling: argv['input-scaling'],
        inputVisibility: argv['input-visibility'],
        weights: argv.weights,
        argmax: argv.argmax,
        outputSignals: argv['output-signals'],
        salt: argv.salt,
        ...(argv.optimize !== undefined ? { optimization: argv.optimize } : {}),
        ...(argv.name ? { name: argv.name } : {}),
        logger,
      })
      const witnessLine = witness.kind === 'native' ? "witness: native (glassbox's own, laid out by witness.plan)" : `witness: wasm (${witness.reason})`
      printResult(argv.json, manifest, () =>
        [
          table(['part', 'kind', 'outputs', 'constraints'], manifest.constraints.layers.map((l) => [l.name, l.kind, l.outputs, l.constraints])),
          '',
          `${manifest.constraints.total} constraints, ${manifest.publicSignals.length} public signals (${manifest.publicSignals.map((s) => s.signal.replace('main.', '')).join(', ')})`,
          ...(manifest.accuracy ? [describeAccuracy(manifest.accuracy)] : []),
          ...(manifest.accuracy?.search
            ? [`bit widths chosen by --target ${manifest.accuracy.search.target}: ${manifest.bits}-bit activations, ${manifest.weightBits}-bit weights, judged on ${manifest.accuracy.search.samples} ${manifest.accuracy.search.judgedOn === 'held-out' ? 'inputs held out of the calibration set' : `${manifest.accuracy.search.judgedOn} inputs`} (${(manifest.accuracy.search.agreement * 100).toFixed(2)}% agreement)`]
            : []),
          ...(manifest.accuracy?.warning ? [`WARNING — LOW ACCURACY: ${manifest.accuracy.warning}`] : []),
          ...(manifest.weights.visibility === 'committed'
            ? [`weights: committed (${manifest.weights.values} values, ${manifest.constraints.layers.reduce((n, l) => n + (l.macs ?? 0), 0)} multiply-accumulates); this build's weight set commits to ${manifest.weights.commitment}`]
            : []),
          witnessLine,
          `wrote ${argv.out}/ — next: glassbox setup ${argv.out}`,
        ].join('\n'),
      )
    },
  )
}
