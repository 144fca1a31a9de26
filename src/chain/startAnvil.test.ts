import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ChainError } from '../errors.js'
import { startAnvil } from './startAnvil.js'

/** Local addresses (hex as in /proc/net/tcp*) of sockets listening on `port`. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const found: string[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/)
      // State 0A is LISTEN.
      if (local?.endsWith(`:${hexPort}`) && state === '0A') found.push(local.split(':')[0] as string)
    }
  }
  return found
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startAnvil', () => {
  it('answers JSON-RPC on 127.0.0.1 only, and is gone after stop()', async () => {
    const anvil = await startAnvil()
    try {
      expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      expect(((await response.json()) as { result: string }).result).toBe('0x7a69') // 31337
      expect(isRunning(anvil.pid)).toBe(true)
      if (process.platform === 'linux') {
        const port = Number(new URL(anvil.rpcUrl).port)
        // 0100007F is 127.0.0.1 in /proc's little-endian hex; no 0.0.0.0 or IPv6 listener.
        expect(listeningAddresses(port)).toEqual(['0100007F'])
      }
    } finally {
      await anvil.stop()
    }
    expect(isRunning(anvil.pid)).toBe(false)
    await anvil.stop() // idempotent
  })

  it('gives a ChainError naming the path when the binary is missing', async () => {
    const error = await startAnvil({ binaryPath: '/nonexistent/anvil' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).message).toContain('/nonexistent/anvil')
  })

  it('gives a ChainError with anvil stderr when it exits at once', async () => {
    const error = await startAnvil({ args: ['--no-such-flag'] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).shortMessage).toMatch(/anvil did not start/)
    expect((error as ChainError).details).toMatch(/no-such-flag/)
  })
})
