import type { Argv } from 'yargs'
import { SetupError } from '../../errors.js'
import { beaconKey } from '../../setup/beaconKey.js'
import { contributeKey } from '../../setup/contributeKey.js'
import type { ZkeyContribution } from '../../setup/readZkeyContributions.js'
import { setupKeys } from '../../setup/setupKeys.js'
import { verifySetup } from '../../setup/verifySetup.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

/** Extra entropy for `setup contribute`, mixed in with the OS's (never replacing it); never printed. */
const EXTRA_ENTROPY_ENV = 'GLASSBOX_EXTRA_ENTROPY'

export function setupCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'setup [build]',
    'Groth16 setup (proving key, verification key, Solidity verifier) and its phase-2 ceremony',
    (y) =>
      y
        .command(
          'contribute <build>',
          `Add a phase-2 contribution to the key with fresh randomness from the OS (never printed; $${EXTRA_ENTROPY_ENV} adds more)`,
          (z) =>
            z
              .positional('build', { type: 'string', demandOption: true, describe: 'build folder with keys' })
              .option('name', { type: 'string', default: '', describe: "the contributor's name, recorded in the key and the manifest (≤ 64 bytes)" }),
          async (argv) => {
            refuseSetupOnlyOptions(argv, 'contribute')
            const logger = loggerFor(argv)
            const started = Date.now()
            const extra = process.env[EXTRA_ENTROPY_ENV]
            if (extra) logger.info(`mixing in extra entropy from $${EXTRA_ENTROPY_ENV} (with the OS's, not instead of it)`)
            const result = await contributeKey({ buildDir: argv.build, name: argv.name, ...(extra ? { extraEntropy: extra } : {}), logger })
            printStep(argv, result.manifest.setup, result.contribution, started)
          },
        )
        .command(
          'beacon <build>',
          'Finish the ceremony with a public random beacon (e.g. a future block hash) that anyone can recompute',
          (z) =>
            z
              .positional('build', { type: 'string', demandOption: true, describe: 'build folder with keys' })
              .option('beacon', { type: 'string', demandOption: true, describe: 'the beacon value, hex' })
              .option('iterations', { type: 'number', default: 10, describe: 'hash the beacon 2^N times (10–63)' })
              .option('name', { type: 'string', default: 'beacon', describe: 'name recorded for the beacon step' }),
          async (argv) => {
            refuseSetupOnlyOptions(argv, 'beacon')
            const started = Date.now()
            const result = await beaconKey({ buildDir: argv.build, beacon: argv.beacon, iterationsExp: argv.iterations, name: argv.name, logger: loggerFor(argv) })
            printStep(argv, result.manifest.setup, result.contribution, started)
          },
        )
        .command(
          'verify <build>',
          'Verify the whole key chain against the r1cs and the ptau (snarkjs zkey verify) and the manifest transcript',
          (z) =>
            z
              .positional('build', { type: 'string', demandOption: true, describe: 'build folder with keys' })
              .option('ptau', { type: 'string', describe: 'the ptau the key was made from (default: the file recorded at setup, or the dev ptau with its SHA-256)' })
              .option('keys', { type: 'string', default: 'keys', describe: 'cache folder of dev powers of tau' }),
          async (argv) => {
            const logger = loggerFor(argv)
            const result = await verifySetup({ buildDir: argv.build, keysDir: argv.keys, ...(argv.ptau ? { ptauPath: argv.ptau } : {}), logger })
            printResult(argv.json, result, () =>
              [
                `key OK: snarkjs zkey verify accepts ${argv.build}/circuit.zkey against circuit.r1cs and ${result.ptau}${result.insecure ? ' (a DEV ptau — INSECURE, not for production)' : ''}`,
                `circuit hash ${result.circuitHash}`,
                ...result.contributions.map((c, i) => describe(c, i)),
                `transcriptSha256 ${result.transcriptSha256}`,
              ].join('\n'),
            )
          },
        )
        .positional('build', { type: 'string', describe: 'build folder from `glassbox compile`' })
        .option('ptau', { type: 'string', describe: 'prepared powers-of-tau file from a ceremony (verified before use); for `setup verify`, the ptau the key was made from' })
        .option('dev-ptau', { type: 'boolean', describe: 'generate (or reuse) a local, INSECURE dev powers of tau (the default without --ptau)' })
        .option('keys', { type: 'string', default: 'keys', describe: 'cache folder for dev powers of tau' })
        .option('force', { type: 'boolean', default: false, describe: 'replace a key that already has ceremony contributions (they are discarded)' })
        .conflicts('ptau', 'dev-ptau'),
    async (argv) => {
      if (!argv.build) throw new SetupError('Name a build folder: `glassbox setup build/x`.', { details: 'Or a ceremony step: `glassbox setup contribute|beacon|verify build/x`.' })
      const started = Date.now()
      const logger = loggerFor(argv)
      const result = await setupKeys({ buildDir: argv.build, keysDir: argv.keys, force: argv.force, ...(argv.ptau ? { ptauPath: argv.ptau } : {}), logger })
      const seconds = (Date.now() - started) / 1000
      printResult(argv.json, { ...result.manifest.setup, seconds, artifacts: result.manifest.artifacts }, () =>
        [
          `setup done in ${seconds.toFixed(1)} s (powers of tau 2^${result.power}${result.insecure ? ', DEV — INSECURE, not for production' : ''})`,
          `wrote circuit.zkey, verification_key.json, Verifier.sol in ${argv.build}/ — next: glassbox prove ${argv.build} --inputs inputs.jsonl --out proofs.jsonl`,
          `the key has one contribution (this setup's); for keys nobody has to trust alone: glassbox setup contribute ${argv.build} --name "…" (each participant), glassbox setup beacon ${argv.build} --beacon <hex>, glassbox setup verify ${argv.build}`,
        ].join('\n'),
      )
    },
  )
}

/** `--ptau` and `--dev-ptau` belong to `setup` itself (yargs passes a parent's options on to its subcommands). */
function refuseSetupOnlyOptions(argv: Record<string, unknown>, step: string): void {
  for (const option of ['ptau', 'dev-ptau']) {
    if (argv[option] !== undefined) throw new SetupError(`--${option} does not apply to \`glassbox setup ${step}\`.`, { details: 'A ceremony step continues the key made by `glassbox setup`; choose the ptau there.' })
  }
}

/** `contribution #2 "alice":` and its hash laid out as snarkjs prints it (4 rows of 4 groups of 8 hex digits), to compare by eye. */
function describe(c: ZkeyContribution, i: number, suffix = ''): string {
  const groups = c.hash.match(/.{8}/g)!
  const rows = [0, 4, 8, 12].map((at) => `    ${groups.slice(at, at + 4).join(' ')}`)
  const beacon = c.beacon ? ` (beacon ${c.beacon.hash}, 2^${c.beacon.iterationsExp} iterations)` : ''
  return [`contribution #${i + 1} ${c.type === 'beacon' ? 'beacon ' : ''}"${c.name}"${beacon}${suffix}:`, ...rows].join('\n')
}

function printStep(
  argv: GlobalOptions & { build: string },
  setup: { contributions?: ZkeyContribution[] | undefined; transcriptSha256?: string | undefined } | undefined,
  contribution: ZkeyContribution,
  started: number,
): void {
  const contributions = setup?.contributions ?? []
  const seconds = (Date.now() - started) / 1000
  printResult(argv.json, { contribution, contributions: contributions.length, transcriptSha256: setup?.transcriptSha256, seconds }, () =>
    [
      `added ${describe(contribution, contributions.length - 1, ` in ${seconds.toFixed(1)} s`)}`,
      `the key now has ${contributions.length} contributions; re-exported verification_key.json and Verifier.sol (transcriptSha256 ${setup?.transcriptSha256})`,
      `next: another participant runs glassbox setup contribute ${argv.build}, then glassbox setup beacon ${argv.build} --beacon <hex>, glassbox setup verify ${argv.build}`,
    ].join('\n'),
  )
}
