import type { Argv } from 'yargs'
import { deployModel } from '../../chain/deployModel.js'
import { deploymentPath } from '../../chain/deploymentFile.js'
import { chainOptions, openChain } from '../chainOptions.js'
import { warnIfSingleContribution } from '../../setup/warnIfSingleContribution.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function deployCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'deploy <build>',
    "Deploy the model's verifier and register it in a GlassboxMarket (deploying one unless --registry names it)",
    (y) =>
      chainOptions(y)
        .positional('build', { type: 'string', demandOption: true })
        .option('registry', { type: 'string', alias: 'market', describe: 'an existing GlassboxMarket (checked before anything is sent; default: deploy one)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      await warnIfSingleContribution({ buildDir: argv.build, logger })
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const result = await deployModel({ buildDir: argv.build, chain, marketAddress: argv.registry, logger })
        printResult(argv.json, { ...result, chainId: chain.chainId, rpcUrl: chain.rpcUrl, deployment: deploymentPath(argv.build) }, () =>
          [
            `market    ${result.marketAddress}${result.gas.market !== undefined ? ` (deployed, ${result.gas.market} gas)` : ''}`,
            `verifier  ${result.verifierAddress} (${result.verifierContract}${result.gas.verifier !== undefined ? `, deployed, ${result.gas.verifier} gas` : ', already registered'})`,
            `model id  ${result.modelId}${result.gas.register !== undefined ? ` (registered, ${result.gas.register} gas)` : ' (already registered)'}`,
            `written   ${deploymentPath(argv.build)} (chain ${chain.chainId})`,
            ...(chain.embedded ? [`note: embedded chain; its state is kept in ${argv.build}/anvil-state.json for the next commands`] : []),
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}
