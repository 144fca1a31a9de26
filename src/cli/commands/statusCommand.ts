import type { Argv } from 'yargs'
import { connectMarket } from '../../chain/connectMarket.js'
import { readManifest } from '../../artifacts/manifest.js'
import { decodeFulfilmentOutputs, type DecodeFulfilmentOutputsReturnType } from '../../chain/decodeFulfilmentOutputs.js'
import { readRequest } from '../../chain/readRequest.js'
import { chainOptions, openChain, parseWei, resolveMarketAddress } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function statusCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'status <request>',
    'Show a request: status, terms, price now, deadlines, locker',
    (y) =>
      chainOptions(y)
        .positional('request', { type: 'string', demandOption: true, describe: 'request id' })
        .option('build', { type: 'string', describe: 'build folder whose deployment.json names the market' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const address = await resolveMarketAddress(argv, chain)
        const market = connectMarket({ address, provider: chain.provider })
        const r = await readRequest({ market, requestId: parseWei(argv.request, 'request') as bigint })
        const time = (t: bigint) => new Date(Number(t) * 1000).toISOString()
        // With the build, the fulfilment's opaque words read as the model's answer (the market stores no outputs).
        const answer = r.fulfilment && argv.build ? answerOf(decodeFulfilmentOutputs(await readManifest(argv.build), r.fulfilment.outputs)) : undefined
        printResult(argv.json, answer ? { ...r, answer } : r, () =>
          [
            `request   ${r.requestId}: ${r.status}${r.status === 'Locked' ? ` by ${r.locker} since ${time(r.lockedAt)}` : ''}`,
            `model     ${r.terms.modelId}${r.terms.weightSet ? ` (weight set ${r.terms.weightSet})` : ''}`,
            `requester ${r.terms.requester}`,
            `input     ${(r.input.length - 2) / 2} bytes, hash ${r.terms.inputHash}`,
            `price     ${r.terms.minPrice} → ${r.terms.maxPrice} wei over ${r.terms.rampSeconds} s${r.status === 'Open' ? ` (now ${r.priceNow})` : ''}; collateral ${r.terms.collateral} wei`,
            `deadlines lock ${time(r.lockDeadline)}, fulfil ${time(r.fulfilDeadline)}`,
            ...(r.fulfilment ? [`answered  by ${r.fulfilment.prover}${r.fulfilment.late ? ' (late)' : ''}, paid ${r.fulfilment.payout} wei, tx ${r.fulfilment.txHash}`, `signals   [${r.fulfilment.outputs.join(', ')}]`] : []),
            ...(answer ? [`answer    [${answer.output.map((v) => v.toFixed(4)).join(', ')}]${answer.class !== undefined ? ` class ${answer.class}` : ''}`] : []),
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}

function answerOf({ output, class: predicted }: DecodeFulfilmentOutputsReturnType): { output: number[]; class?: number } {
  return predicted === undefined ? { output } : { output, class: predicted }
}
