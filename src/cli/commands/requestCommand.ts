import { writeFile } from 'node:fs/promises'
import type { Argv } from 'yargs'
import { InputError } from '../../errors.js'
import { randomSalt } from '../../chain/requestInput.js'
import { requestInference } from '../../market/requestInference.js'
import { waitForFulfilment } from '../../market/waitForFulfilment.js'
import { readPrivateInput } from '../readPrivateInput.js'
import { chainOptions, openChain, parseWei } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function requestCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'request <build>',
    'Ask the market for an inference: the input and its hash, a rising price, deadlines and collateral',
    (y) =>
      chainOptions(y)
        .positional('build', { type: 'string', demandOption: true })
        .option('input', { type: 'string', demandOption: true, describe: 'JSON file: an array of floats, or {"input": [...]} (one line of inputs.jsonl)' })
        .option('max-price', { type: 'string', demandOption: true, describe: 'price ceiling in wei (sent, held in escrow)' })
        .option('min-price', { type: 'string', describe: 'price at creation in wei (default: --max-price, a fixed price)' })
        .option('ramp', { type: 'number', default: 600, describe: 'seconds for the price to rise from --min-price to --max-price' })
        .option('collateral', { type: 'string', describe: 'collateral a locking prover puts up, wei (default: half of --max-price)' })
        .option('lock-window', { type: 'number', default: 3600, describe: 'seconds in which to lock, and in which the locker alone may fulfil' })
        .option('fulfil-window', { type: 'number', describe: 'seconds until which anyone may fulfil a missed lock (default: twice --lock-window)' })
        .option('private', { type: 'boolean', default: false, describe: 'salt the input hash with a fresh random salt and post no input (hand --secret-out to the prover off-chain)' })
        .option('secret-out', { type: 'string', describe: 'with --private: write {id, input, salt} here (mode 0600; an inputs.jsonl line for lock/fulfil --input)' })
        .option('weight-set', { type: 'string', describe: 'committed-weights models: the weight commitment (default: the build’s)' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket (default: from deployment.json)' })
        .option('wait', { type: 'boolean', default: false, describe: 'wait until the request is fulfilled (or expires) and print the answer' })
        .option('wait-timeout', { type: 'number', default: 3600, describe: 'seconds --wait waits at most' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const { input, salt: givenSalt } = await readPrivateInput(argv.input)
      if (argv.private && !argv.secretOut) throw new InputError('--private needs --secret-out FILE: without the salt written somewhere, nobody could prove the request.')
      if (!argv.private && argv.secretOut) throw new InputError('--secret-out is for --private requests.')
      if (!argv.private && givenSalt !== undefined) throw new InputError(`--input ${argv.input} has a "salt": pass --private to make a salted request (its input is then not posted).`)
      // A salt in the input file is reused (a request made again for the same secret); else a fresh one.
      const salt = argv.private ? (givenSalt ?? randomSalt()) : undefined
      // Written before anything is sent: a request whose salt was lost could never be answered.
      if (salt !== undefined) await writeSecret(argv.secretOut!, input, salt)
      if (argv.wait && argv.rpc === undefined) {
        throw new InputError('--wait needs --rpc: the embedded chain only runs while this command does, so no prover could answer meanwhile.')
      }
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const maxPrice = parseWei(argv.maxPrice, 'max-price') as bigint
        const result = await requestInference({
          buildDir: argv.build,
          chain,
          input,
          maxPrice,
          minPrice: parseWei(argv.minPrice, 'min-price'),
          rampSeconds: BigInt(argv.ramp),
          collateral: parseWei(argv.collateral, 'collateral'),
          lockWindow: BigInt(argv.lockWindow),
          fulfilWindow: argv.fulfilWindow === undefined ? undefined : BigInt(argv.fulfilWindow),
          weightSet: argv.weightSet === undefined ? undefined : BigInt(argv.weightSet),
          salt,
          marketAddress: argv.registry,
          logger,
        })
        if (result.dev) logger.warn('this model is marked as a DEV setup on-chain: whoever made its key can forge answers. Do not pay real money for them.')
        const waited = argv.wait
          ? await waitForFulfilment({ buildDir: argv.build, chain, requestId: result.requestId, marketAddress: argv.registry, timeoutMs: argv.waitTimeout * 1000, logger })
          : undefined
        const final = waited?.request
        const answer = waited?.answer
        printResult(argv.json, { ...result, ...(final ? { status: final.status, fulfilment: final.fulfilment, answer, prover: waited?.prover, latencySeconds: waited?.latencySeconds } : {}) }, () =>
          [
            `request   ${result.requestId} (gas ${result.gasUsed}, ${result.private ? `private: no input posted; input and salt in ${argv.secretOut}, hand it to the prover off-chain` : `${result.inputBytes} bytes of input`})`,
            `input     hash ${result.inputHash}`,
            `price     ${result.terms.minPrice} → ${result.terms.maxPrice} wei over ${result.terms.rampSeconds} s; collateral ${result.terms.collateral} wei`,
            `deadlines lock by +${result.terms.lockWindow} s, fulfil by +${result.terms.fulfilWindow} s`,
            ...(final ? [`status    ${final.status}${final.fulfilment ? ` by ${final.fulfilment.prover}${final.fulfilment.late ? ' (late)' : ''}, verified; ${waited?.latencySeconds ?? '?'} s after the request` : ''}`] : []),
            ...(answer ? [`answer    [${answer.output.map((v) => v.toFixed(4)).join(', ')}]${answer.class !== undefined ? ` class ${answer.class}` : ''}`] : []),
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}

/** The secret of a private request, as one inputs.jsonl line (owner-only; never overwrites a file). */
async function writeSecret(path: string, input: readonly number[], salt: bigint): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify({ id: 'private-request', input, salt: `0x${salt.toString(16)}` })}\n`, { mode: 0o600, flag: 'wx' })
  } catch (cause) {
    throw new InputError(`Cannot write the request's secret to ${path}.`, {
      details: (cause as NodeJS.ErrnoException).code === 'EEXIST' ? 'The file exists (maybe the secret of another request): choose another --secret-out.' : String(cause),
      cause,
    })
  }
}
