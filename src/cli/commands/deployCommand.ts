import type { Argv } from 'yargs'
import { connectChain } from '../../chain/connectChain.js'
import { deployModel } from '../../chain/deployModel.js'
import { warnIfSingleContribution } from '../../setup/warnIfSingleContribution.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function deployCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'deploy <build>',
    "Deploy the model's verifier and register it in a GlassboxRegistry",
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true })
        .option('rpc', { type: 'string', describe: 'JSON-RPC URL (default: an embedded anvil, stopped when the command ends)' })
        .option('registry', { type: 'string', describe: 'an existing registry address (default: deploy one)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      await warnIfSingleContribution({ buildDir: argv.build, logger })
      const chain = await connectChain({ ...(argv.rpc ? { rpcUrl: argv.rpc } : {}), logger })
      try {
        const result = await deployModel({ buildDir: argv.build, signer: chain.signer, ...(argv.registry ? { registryAddress: argv.registry } : {}), logger })
        printResult(argv.json, { ...result, rpcUrl: chain.rpcUrl }, () =>
          [
            `verifier  ${result.verifierAddress} (${result.gas.verifier} gas)`,
            `registry  ${result.registryAddress}${result.gas.registry !== undefined ? ` (${result.gas.registry} gas)` : ''}`,
            `model id  ${result.modelId} (registered, ${result.gas.register} gas)`,
            ...(argv.rpc ? [] : ['note: this was the embedded chain, now stopped; pass --rpc URL to deploy to a node that keeps running']),
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}
