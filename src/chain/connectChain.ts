import { FetchRequest, JsonRpcProvider, Network, Wallet, type Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { chainFailure } from './chainFailure.js'
import { isLoopbackUrl, redactRpcUrl } from './redactRpcUrl.js'
import { startAnvil, type StartAnvilParameters } from './startAnvil.js'

export type ConnectChainParameters = {
  /** JSON-RPC URL of an existing node. Without it an embedded anvil is started (and stopped by `close`). */
  rpcUrl?: string | undefined
  /**
   * The chain id the node must report. Required for a node that is not on this machine (a typo'd
   * URL must not send mainnet transactions), checked whenever given.
   */
  chainId?: bigint | number | undefined
  /** Allow plain `http://` to a node that is not on this machine (its traffic can be read and altered). */
  insecure?: boolean | undefined
  /**
   * Private key for an external node. Defaults to the `GLASSBOX_PRIVATE_KEY` environment variable;
   * without one, the node's first unlocked account is used. Never logged.
   */
  privateKey?: string | undefined
  /** Timeout of every JSON-RPC request, in ms (default 30 s; the first probe uses at most 10 s). */
  requestTimeoutMs?: number | undefined
  /** How long to wait for a sent transaction to be mined, in ms (default 120 s). */
  txTimeoutMs?: number | undefined
  /** Options for the embedded anvil. */
  anvil?: Omit<StartAnvilParameters, 'logger'> | undefined
  logger?: Logger | undefined
}

export type ConnectChainReturnType = {
  provider: JsonRpcProvider
  signer: Signer
  /** The node's URL, redacted for printing (no credentials, path or query). */
  rpcUrl: string
  chainId: bigint
  /** True for the embedded anvil (and only then): a throwaway chain. */
  embedded: boolean
  /** How long callers wait for a transaction to be mined before giving up, in ms. */
  txTimeoutMs: number
  /** The raw URL, only so errors can be scrubbed of it; never print it. */
  secretRpcUrls: readonly string[]
  /** The embedded anvil's PID, when one was started. */
  anvilPid?: number
  /** Releases the provider and stops the embedded anvil, if any. */
  close(): Promise<void>
}

/**
 * Connects to a chain: the given JSON-RPC URL, or an embedded anvil when none is given.
 *
 * Safe on real networks: a node that is not on this machine needs `chainId` (and must report it)
 * and `https://` unless `insecure`; every RPC request has a timeout; the URL is only ever shown
 * redacted. The node is probed with `eth_chainId` first, so an unreachable URL fails fast with a
 * clear message instead of ethers' endless "failed to detect network" retries; the provider is
 * then pinned to that chain id.
 *
 * @param parameters - {@link ConnectChainParameters}
 * @returns `{ provider, signer, rpcUrl, chainId, embedded, txTimeoutMs, close }`
 * @throws {ChainError} When the URL is refused (no chain id, not https), the node cannot be
 *   reached or reports another chain, anvil does not start, the private key is malformed or the
 *   node has no unlocked account.
 *
 * @example
 * ```ts
 * const chain = await connectChain({ rpcUrl: process.env.RPC, chainId: 11155111, logger })
 * try { await deployMarket({ signer: chain.signer, logger }) } finally { await chain.close() }
 * ```
 */
export async function connectChain({
  rpcUrl,
  chainId: expectedChainId,
  insecure = false,
  privateKey = process.env.GLASSBOX_PRIVATE_KEY,
  requestTimeoutMs = 30_000,
  txTimeoutMs,
  anvil: anvilOptions,
  logger = silentLogger,
}: ConnectChainParameters = {}): Promise<ConnectChainReturnType> {
  if (rpcUrl !== undefined) checkRpcUrl(rpcUrl, expectedChainId, insecure)
  const anvil = rpcUrl === undefined ? await startAnvil({ ...anvilOptions, logger }) : undefined
  const url = anvil?.rpcUrl ?? (rpcUrl as string)
  const shown = redactRpcUrl(url)
  const secretRpcUrls = [url]
  try {
    const chainId = await probeChainId(url, shown, Math.min(requestTimeoutMs, 10_000))
    if (expectedChainId !== undefined && BigInt(expectedChainId) !== chainId) {
      throw new ChainError(`The node at ${shown} is on chain ${chainId}, not ${expectedChainId}.`, {
        details: 'Check --rpc and --chain-id: nothing was sent.',
      })
    }
    // Local chains mine instantly: poll often so waiting for a receipt is not a 4 s sleep, and
    // don't cache answers (ethers reuses identical calls for 250 ms, so a balance read right after
    // a transaction would show the old value).
    const local = isLoopbackUrl(url)
    const request = new FetchRequest(url)
    request.timeout = requestTimeoutMs
    const provider = new JsonRpcProvider(request, Network.from(chainId), {
      staticNetwork: true,
      pollingInterval: local ? 100 : 4_000,
      cacheTimeout: local ? -1 : 250,
    })
    // The embedded anvil is ours: always use its unlocked dev account, never an env key.
    const signer = anvil ? await unlockedSigner(provider, shown, secretRpcUrls) : await externalSigner(provider, shown, privateKey, secretRpcUrls)
    logger.info(`connected to chain ${chainId} at ${shown}${anvil ? ' (embedded anvil)' : ''}`)
    const close = async () => {
      provider.destroy()
      await anvil?.stop()
    }
    const common = { provider, signer, rpcUrl: shown, chainId, embedded: anvil !== undefined, txTimeoutMs: txTimeoutMs ?? 120_000, secretRpcUrls, close }
    return anvil ? { ...common, anvilPid: anvil.pid } : common
  } catch (error) {
    await anvil?.stop()
    if (error instanceof ChainError) throw error
    throw chainFailure(error, { shortMessage: `Connecting to ${shown} failed.`, rpcUrls: secretRpcUrls })
  }
}

/** Refuses, before any request is sent, what is unsafe about an external node's URL. */
function checkRpcUrl(url: string, chainId: bigint | number | undefined, insecure: boolean): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ChainError('--rpc is not a URL.', { details: 'Expected e.g. https://host/path or http://127.0.0.1:8545.' })
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    throw new ChainError(`--rpc must be an http(s) URL, got ${parsed.protocol}//….`)
  }
  if (isLoopbackUrl(url)) return
  const shown = redactRpcUrl(url)
  if (chainId === undefined) {
    throw new ChainError(`--rpc ${shown} is not on this machine: pass --chain-id too.`, {
      details: 'The chain id is checked against the node before anything is sent, so a wrong URL cannot spend on another network.',
    })
  }
  if (parsed.protocol !== 'https:' && !insecure) {
    throw new ChainError(`--rpc ${shown} is plain http to another machine.`, {
      details: 'Use https://, or pass --insecure if the network path is trusted (requests and answers can be read and altered).',
    })
  }
}

async function probeChainId(url: string, shown: string, timeoutMs: number): Promise<bigint> {
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
    throw new ChainError(`cannot reach JSON-RPC at ${shown}: ${describe(error, timeoutMs)}.`, {
      details: 'Start a node there (e.g. anvil), pass --rpc with a reachable URL, or omit --rpc to use the embedded chain.',
    })
  }
  if (typeof body.result !== 'string') {
    throw new ChainError(`JSON-RPC at ${shown} did not answer eth_chainId.`, {
      details: body.error?.message ?? `Unexpected answer: ${JSON.stringify(body).slice(0, 200)}`,
    })
  }
  return BigInt(body.result)
}

async function externalSigner(provider: JsonRpcProvider, shown: string, privateKey: string | undefined, secrets: readonly string[]): Promise<Signer> {
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
  return unlockedSigner(provider, shown, secrets)
}

async function unlockedSigner(provider: JsonRpcProvider, shown: string, secrets: readonly string[]): Promise<Signer> {
  let accounts: string[]
  try {
    accounts = (await provider.send('eth_accounts', [])) as string[]
  } catch (error) {
    throw chainFailure(error, { shortMessage: `eth_accounts failed at ${shown}.`, hint: 'Set GLASSBOX_PRIVATE_KEY to the key of a funded account.', rpcUrls: secrets })
  }
  if (accounts.length === 0) {
    throw new ChainError(`The node at ${shown} has no unlocked account to send transactions from.`, {
      details: 'Set GLASSBOX_PRIVATE_KEY to the key of a funded account.',
    })
  }
  return provider.getSigner(0)
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string } }).cause
    if (error.name === 'TimeoutError') return `no answer in ${timeoutMs / 1000} s`
    if (error.name === 'SyntaxError') return 'the answer is not JSON (is this a JSON-RPC endpoint?)'
    // Only the error code: the message of a fetch failure can carry the URL.
    return cause?.code ?? error.name
  }
  return 'unknown error'
}
