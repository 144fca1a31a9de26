import type { Argv } from 'yargs'
import { connectChain, type ConnectChainReturnType } from '../chain/connectChain.js'
import { embeddedStatePath, readDeployment } from '../chain/deploymentFile.js'
import { ChainError, InputError } from '../errors.js'
import type { Logger } from '../logger.js'

/** Options every chain-facing command takes. */
export type ChainArgs = { rpc?: string | undefined; chainId?: number | undefined; insecure: boolean; txTimeout: number }

/** Adds `--rpc`, `--chain-id`, `--insecure` and `--tx-timeout`. */
export function chainOptions<T>(y: Argv<T>) {
  return y
    .option('rpc', { type: 'string', describe: 'JSON-RPC URL (default: an embedded anvil; its chain is kept in the build folder between commands). Key: GLASSBOX_PRIVATE_KEY' })
    .option('chain-id', { type: 'number', describe: 'chain id the node must report (required with --rpc to another machine)' })
    .option('insecure', { type: 'boolean', default: false, describe: 'allow plain http:// to another machine' })
    .option('tx-timeout', { type: 'number', default: 120, describe: 'seconds to wait for a transaction to be mined' })
}

/**
 * Connects as the chain options say. Without `--rpc`, the embedded anvil loads and saves its
 * state in `<build>/anvil-state.json`, so deploy, request, lock, fulfil and withdraw run one after
 * the other on the same local chain.
 */
export function openChain(argv: ChainArgs, { buildDir, logger }: { buildDir?: string | undefined; logger: Logger }): Promise<ConnectChainReturnType> {
  return connectChain({
    rpcUrl: argv.rpc,
    chainId: argv.chainId,
    insecure: argv.insecure,
    txTimeoutMs: argv.txTimeout * 1000,
    anvil: buildDir === undefined ? undefined : { args: ['--state', embeddedStatePath(buildDir)] },
    logger,
  })
}

/** Parses a wei amount given on the command line (an integer; `1e15` accepted). */
export function parseWei(value: string | number | undefined, name: string): bigint | undefined {
  if (value === undefined) return undefined
  const text = String(value).trim()
  if (/^\d+$/.test(text)) return BigInt(text)
  const sci = /^(\d+)(?:\.(\d+))?e(\d+)$/i.exec(text)
  if (sci) {
    const [, int, frac = '', exp] = sci
    const shift = Number(exp) - frac.length
    if (shift >= 0) return BigInt(int! + frac) * 10n ** BigInt(shift)
  }
  throw new InputError(`--${name} must be an amount in wei (an integer, e.g. 1000000000000000 or 1e15), got "${text}".`)
}


/**
 * The market a command talks to: `--registry`, else the one the build folder's
 * deployment.json records for this chain.
 * @throws {ChainError} when neither names one.
 */
export async function resolveMarketAddress(argv: { registry?: string | undefined; build?: string | undefined }, chain: ConnectChainReturnType): Promise<string> {
  const address = argv.registry ?? (argv.build ? (await readDeployment(argv.build, chain))?.market : undefined)
  if (!address) throw new ChainError('Which market? Pass --build (with a deployment.json) or --registry.')
  return address
}
