import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'

export type StartAnvilParameters = {
  /** Path of the anvil binary; defaults to the one in `@foundry-rs/anvil`'s platform package. */
  binaryPath?: string
  /** Extra anvil arguments (e.g. `['--accounts', '3']`); host, port and `--silent` are always set. */
  args?: readonly string[]
  /** How long to wait for JSON-RPC to answer. */
  timeoutMs?: number
  logger?: Logger
}

export type StartAnvilReturnType = {
  /** `http://127.0.0.1:<port>` */
  rpcUrl: string
  /** PID of the anvil process itself (spawned directly, no wrapper script). */
  pid: number
  /** Stops anvil and resolves once the process has exited. Safe to call more than once. */
  stop(): Promise<void>
}

const STDERR_TAIL_CHARS = 2000

/**
 * Starts an anvil dev chain on 127.0.0.1 with a free port and waits until it answers JSON-RPC.
 *
 * The binary is spawned directly (not through the npm wrapper) so the returned PID is anvil's own,
 * and a process `exit` hook kills it if the caller never calls `stop()`. Use
 * `provider.getSigner(0)` for anvil's unlocked dev accounts; no key is read or logged here.
 *
 * @param parameters - {@link StartAnvilParameters}
 * @returns `{ rpcUrl, pid, stop }`
 * @throws {ChainError} When the binary is missing, exits early or does not answer in time
 *   (the message carries the tail of its stderr).
 *
 * @example
 * ```ts
 * const anvil = await startAnvil({ logger })
 * try { ... new JsonRpcProvider(anvil.rpcUrl) ... } finally { await anvil.stop() }
 * ```
 */
export async function startAnvil({
  binaryPath = defaultAnvilPath(),
  args = [],
  timeoutMs = 15_000,
  logger = silentLogger,
}: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  if (!existsSync(binaryPath)) {
    throw new ChainError(`anvil binary not found at ${binaryPath}.`, {
      details:
        'It ships in the optional platform package of @foundry-rs/anvil (e.g. @foundry-rs/anvil-linux-amd64). ' +
        'Reinstall dependencies without --no-optional, or pass --rpc to use another node.',
    })
  }
  // The port is free when we look; another process could take it before anvil binds, in which
  // case anvil exits early and we try the next free port.
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort()
    try {
      return await launch(binaryPath, port, args, timeoutMs, logger)
    } catch (error) {
      lastError = error
      if (!(error instanceof ChainError && /address already in use/i.test(error.details ?? ''))) throw error
      logger.debug(`port ${port} was taken before anvil bound it; retrying`)
    }
  }
  throw lastError
}

async function launch(
  binaryPath: string,
  port: number,
  args: readonly string[],
  timeoutMs: number,
  logger: Logger,
): Promise<StartAnvilReturnType> {
  const rpcUrl = `http://127.0.0.1:${port}`
  const child = spawn(binaryPath, ['--host', '127.0.0.1', '--port', String(port), '--silent', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderrTail = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS)
  })
  let spawnError: Error | undefined
  child.on('error', (error) => {
    spawnError = error
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  // Never leave anvil running: 'exit' handlers must be synchronous, and SIGKILL is.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.on('exit', killOnExit)
  // Don't let anvil (or its stderr pipe) keep the caller's event loop alive; otherwise a caller
  // that forgets stop() would hang forever and the exit hook above would never run.
  child.unref()
  ;(child.stderr as unknown as { unref?: () => void } | null)?.unref?.()

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
    child.kill('SIGTERM')
    const forced = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(forced)
  }

  const deadline = Date.now() + timeoutMs
  while (true) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop()
      throw new ChainError(`anvil did not start (${describeExit(child, spawnError)}).`, {
        details: stderrTail.trim() || `No output from ${binaryPath}.`,
        cause: spawnError,
      })
    }
    if (await answersChainId(rpcUrl)) break
    if (Date.now() > deadline) {
      await stop()
      throw new ChainError(`anvil did not answer JSON-RPC at ${rpcUrl} within ${timeoutMs} ms.`, {
        details: stderrTail.trim() || 'No output on stderr.',
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const pid = child.pid as number
  logger.debug(`anvil (pid ${pid}) listening at ${rpcUrl}`)
  return { rpcUrl, pid, stop }
}

function describeExit(child: ChildProcess, spawnError: Error | undefined): string {
  if (spawnError) return spawnError.message
  if (child.signalCode) return `killed by ${child.signalCode}`
  return `exit code ${child.exitCode}`
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    })
    const body = (await response.json()) as { result?: unknown }
    return typeof body.result === 'string'
  } catch {
    return false
  }
}

/** Asks the OS for a free port on the loopback interface. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new ChainError('Could not find a free port.'))))
    })
  })
}

/** Path of the anvil binary inside the platform package that @foundry-rs/anvil depends on. */
function defaultAnvilPath(): string {
  // Same table as @foundry-rs/anvil's const.mjs; its package names use amd64, not Node's x64.
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`
  const binary = process.platform === 'win32' ? 'anvil.exe' : 'anvil'
  try {
    const require = createRequire(import.meta.url)
    return join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', binary)
  } catch {
    return join('node_modules', platformPackage, 'bin', binary)
  }
}
