import type { Argv } from 'yargs'
import { setupKeys } from '../../setup/setupKeys.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function setupCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'setup <build>',
    'Groth16 setup: proving key, verification key and Solidity verifier',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true, describe: 'build folder from `glassbox compile`' })
        .option('ptau', { type: 'string', describe: 'prepared powers-of-tau file from a ceremony (verified before use)' })
        .option('dev-ptau', { type: 'boolean', describe: 'generate (or reuse) a local, INSECURE dev powers of tau (the default without --ptau)' })
        .option('keys', { type: 'string', default: 'keys', describe: 'cache folder for dev powers of tau' })
        .conflicts('ptau', 'dev-ptau'),
    async (argv) => {
      const started = Date.now()
      const result = await setupKeys({ buildDir: argv.build, keysDir: argv.keys, ...(argv.ptau ? { ptauPath: argv.ptau } : {}), logger: loggerFor(argv) })
      const seconds = (Date.now() - started) / 1000
      printResult(argv.json, { ...result.manifest.setup, seconds, artifacts: result.manifest.artifacts }, () =>
        [
          `setup done in ${seconds.toFixed(1)} s (powers of tau 2^${result.power}${result.insecure ? ', DEV — INSECURE, not for production' : ''})`,
          `wrote circuit.zkey, verification_key.json, Verifier.sol in ${argv.build}/ — next: glassbox prove ${argv.build} --inputs inputs.jsonl --out proofs.jsonl`,
        ].join('\n'),
      )
    },
  )
}
