import type { Argv } from 'yargs'
import { connectMarket } from '../../chain/connectMarket.js'
import { chainOptions, openChain, parseWei, resolveMarketAddress } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function withdrawCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'withdraw',
    'Collect what the market holds for the sending account: refunds and slash shares, and its free stake (where provers are paid)',
    (y) =>
      chainOptions(y)
        .option('build', { type: 'string', describe: 'build folder whose deployment.json names the market' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket' })
        .option('to', { type: 'string', describe: 'recipient (default: the sending account)' })
        .option('stake', { type: 'string', default: 'all', describe: 'how much free stake to withdraw: all (default), or an amount in wei (0 keeps it staked)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const address = await resolveMarketAddress(argv, chain)
        const market = connectMarket({ address, signer: chain.signer, txTimeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger })
        const me = await chain.signer.getAddress()
        const to = argv.to ?? me
        const owed = await market.balanceOf(me)
        const stake = argv.stake === 'all' ? (await market.stakeOf(me)).free : parseWei(argv.stake, 'stake')
        const result: { to: string; amount: bigint; stake: bigint; txHashes: string[] } = { to, amount: 0n, stake: 0n, txHashes: [] }
        if (owed > 0n) {
          const tx = await market.withdraw(to)
          result.amount = tx.amount
          result.txHashes.push(tx.txHash)
        }
        if (stake !== undefined && stake > 0n) {
          const tx = await market.withdrawStake(stake, to)
          result.stake = stake
          result.txHashes.push(tx.txHash)
        }
        printResult(argv.json, result, () => (result.txHashes.length ? `sent ${result.amount} wei of refunds and ${result.stake} wei of free stake to ${to}` : `nothing to withdraw for ${me}`))
      } finally {
        await chain.close()
      }
    },
  )
}
