import type { Argv } from 'yargs'
import { fulfilRequest } from '../../market/fulfilRequest.js'
import { chainOptions, openChain, parseWei } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { checkIntegerOptions } from '../optionChecks.js'
import { printResult } from '../output.js'
import { readPrivateInput } from '../readPrivateInput.js'

export function fulfilCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'fulfil <build> <request>',
    'Prove a locked request (bound to the sending account) and fulfil it',
    (y) =>
      chainOptions(y)
        .positional('build', { type: 'string', demandOption: true })
        .positional('request', { type: 'string', demandOption: true, describe: 'request id' })
        .option('workers', { type: 'number', default: 1, describe: 'proving workers' })
        .option('input', { type: 'string', describe: 'a private request: the file its requester handed over ({"input": [...], "salt": "0x…"})' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket (default: from deployment.json)' })
        .check((argv) => checkIntegerOptions(argv, { workers: { min: 1 } })),
    async (argv) => {
      const logger = loggerFor(argv)
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const requestId = parseWei(argv.request, 'request') as bigint
        const secret = argv.input === undefined ? undefined : await readPrivateInput(argv.input)
        const result = await fulfilRequest({ ...(secret ? { input: secret.input, salt: secret.salt } : {}), buildDir: argv.build, chain, requestId, workers: argv.workers, marketAddress: argv.registry, logger })
        if (result.dev) logger.warn('this model is marked as a DEV setup on-chain: whoever made its key can forge proofs.')
        printResult(argv.json, result, () =>
          [
            `request ${result.requestId} fulfilled${result.late ? ' late (the locker was slashed)' : ''} (gas ${result.gasUsed})`,
            `output  [${result.output.map((v) => v.toFixed(4)).join(', ')}]${result.class !== undefined ? ` class ${result.class}` : ''}`,
            `paid    ${result.payout} wei into your free stake (glassbox withdraw to collect)`,
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}
