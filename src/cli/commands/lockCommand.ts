import type { Argv } from 'yargs'
import { lockRequest } from '../../market/lockRequest.js'
import { chainOptions, openChain, parseWei } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'
import { readPrivateInput } from '../readPrivateInput.js'

export function lockCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'lock <build> <request>',
    'Lock an open request at its current price (after checking its input against its hash)',
    (y) =>
      chainOptions(y)
        .positional('build', { type: 'string', demandOption: true })
        .positional('request', { type: 'string', demandOption: true, describe: 'request id' })
        .option('stake', { type: 'string', describe: 'deposit this much stake first, in wei' })
        .option('input', { type: 'string', describe: 'a private request: the file its requester handed over ({"input": [...], "salt": "0x…"})' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket (default: from deployment.json)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const requestId = parseWei(argv.request, 'request') as bigint
        const secret = argv.input === undefined ? undefined : await readPrivateInput(argv.input)
        const result = await lockRequest({ ...(secret ? { input: secret.input, salt: secret.salt } : {}), buildDir: argv.build, chain, requestId, deposit: parseWei(argv.stake, 'stake'), marketAddress: argv.registry, logger })
        if (result.dev) logger.warn('this model is marked as a DEV setup on-chain: whoever made its key can forge proofs.')
        printResult(argv.json, result, () =>
          `request ${result.requestId} locked at ${result.price} wei (collateral ${result.collateral} wei held); fulfil before ${new Date(Number(result.lockDeadline) * 1000).toISOString()} (gas ${result.gasUsed})`,
        )
      } finally {
        await chain.close()
      }
    },
  )
}
