import { JsonRpcProvider, Network, Wallet, type Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { startAnvil, type StartAnvilParameters } from './startAnvil.js'

export type ConnectChainParameters = {
  /** JSON-RPC URL of an existing node. Without it an embedded anvil is started (and stopped by `close`). */
  rpcUrl?: string
  /**
   * Private key for an external node. Defaults to the `GLASSBOX_PRIVATE_KEY` environment variable;
   * without one, the node's first unlocked account is used. Never logged.
   */
  privateKey?: string
  /** How long to wait for an external node's first answer. */
  timeoutMs?: number
  /** Options for the embedded anvil. */
  anvil?: Omit<StartAnvilParameters, 'logger'>
  logger?: Logger
}

export type ConnectChainReturnType = {
  provider: JsonRpcProvider
  signer: Signer
  rpcUrl: string
  /** The embedded anvil's PID, when one was started. */
  anvilPid?: number
  /** Releases the provider and stops the embedded anvil, if any. */
  close(): Promise<void>
}

/**
 * Connects to a chain: the given JSON-RPC URL, or an embedded anvil when none is given.
 *
 * The node is probed with `eth_chainId` first, so an unreachable URL fails fast with a clear
 * message instead of ethers' endless "failed to detect network" retries; the provider is then
 * pinned to that chain id.
 *
 * @param parameters - {@link ConnectChainParameters}
 * @returns `{ provider, signer, rpcUrl, close }`
 * @throws {ChainError} When the node cannot be reached, anvil does not start, the private key is
 *   malformed or the node has no unlocked account.
 *
 * @example
 * ```ts
 * const chain = await connectChain({ rpcUrl: process.env.RPC, logger })
 * try { await deployRegistry({ signer: chain.signer, logger }) } finally { await chain.close() }
 * ```
 */
export async function connectChain({
  rpcUrl,
  privateKey = process.env.GLASSBOX_PRIVATE_KEY,
  timeoutMs = 5_000,
  anvil: anvilOptions,
  logger = silentLogger,
}: ConnectChainParameters = {}): Promise<ConnectChainReturnType> {
  const anvil = rpcUrl === undefined ? await startAnvil({ ...anvilOptions, logger }) : undefined
  const url = anvil?.rpcUrl ?? (rpcUrl as string)
  try {
    const chainId = await probeChainId(url, timeoutMs)
    // Local chains mine instantly: poll often so waiting for a receipt is not a 4 s sleep, and
    // don't cache answers (ethers reuses identical calls for 250 ms, so a balance read right after
    // a transaction would show the old value).
    const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url)
    const provider = new JsonRpcProvider(url, Network.from(chainId), {
      staticNetwork: true,
      pollingInterval: local ? 100 : 4_000,
      cacheTimeout: local ? -1 : 250,
    })
    // The embedded anvil is ours: always use its unlocked dev account, never an env key.
    const signer = anvil ? await unlockedSigner(provider, url) : await externalSigner(provider, url, privateKey)
    logger.info(`connected to chain ${chainId} at ${url}${anvil ? ' (embedded anvil)' : ''}`)
    const close = async () => {
      provider.destroy()
      await anvil?.stop()
    }
    return anvil ? { provider, signer, rpcUrl: url, anvilPid: anvil.pid, close } : { provider, signer, rpcUrl: url, close }
  } catch (error) {
    await anvil?.stop()
    throw error
  }
}

async function probeChainId(url: string, timeoutMs: number): Promise<bigint> {
  let body: { result?: unknown; error?: { message?: string } }
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    body = (await response.json()) as typeof body
  } catch (error) {
    throw new ChainError(`cannot reach JSON-RPC at ${url}: ${describe(error)}.`, {
      details: 'Start a node there (e.g. anvil), pass --rpc with a reachable URL, or omit --rpc to use the embedded chain.',
      cause: error,
    })
  }
  if (typeof body.result !== 'string') {
    throw new ChainError(`JSON-RPC at ${url} did not answer eth_chainId.`, {
      details: body.error?.message ?? `Unexpected answer: ${JSON.stringify(body).slice(0, 200)}`,
    })
  }
  return BigInt(body.result)
}

async function externalSigner(provider: JsonRpcProvider, url: string, privateKey: string | undefined): Promise<Signer> {
  if (privateKey) {
    try {
      return new Wallet(privateKey, provider)
    } catch {
      // The ethers message would echo the key; say only what is wrong.
      throw new ChainError('GLASSBOX_PRIVATE_KEY is not a valid private key.', {
        details: 'Expected 32 bytes as hex (0x followed by 64 hex digits).',
      })
    }
  }
  return unlockedSigner(provider, url)
}

async function unlockedSigner(provider: JsonRpcProvider, url: string): Promise<Signer> {
  const accounts = (await provider.send('eth_accounts', [])) as string[]
  if (accounts.length === 0) {
    throw new ChainError(`The node at ${url} has no unlocked account to send transactions from.`, {
      details: 'Set GLASSBOX_PRIVATE_KEY to the key of a funded account.',
    })
  }
  return provider.getSigner(0)
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    if (error.name === 'TimeoutError') return 'no answer in time'
    return cause?.code ?? cause?.message ?? error.message
  }
  return String(error)
}
