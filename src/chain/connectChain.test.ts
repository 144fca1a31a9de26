import { Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { ChainError } from '../errors.js'
import { connectChain } from './connectChain.js'
import { startAnvil } from './startAnvil.js'

describe('connectChain', () => {
  it('fails fast with a ChainError when the URL is unreachable', async () => {
    const started = Date.now()
    const error = await connectChain({ rpcUrl: 'http://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).shortMessage).toMatch(/^cannot reach JSON-RPC at http:\/\/127\.0\.0\.1:1/)
    expect((error as ChainError).details).toMatch(/--rpc/)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('starts an embedded anvil without a URL, with an unlocked funded signer, and stops it on close', async () => {
    const chain = await connectChain({})
    try {
      expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const address = await chain.signer.getAddress()
      expect(await chain.provider.getBalance(address)).toBeGreaterThan(0n)
      expect((await chain.provider.getNetwork()).chainId).toBe(31337n)
    } finally {
      await chain.close()
    }
    expect(() => process.kill(chain.anvilPid as number, 0)).toThrow()
  })

  it('uses the given private key for an external node, and never echoes a malformed one', async () => {
    const anvil = await startAnvil()
    try {
      const wallet = Wallet.createRandom()
      const chain = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: wallet.privateKey })
      expect(await chain.signer.getAddress()).toBe(wallet.address)
      await chain.close()

      const secret = 'deadbeef'.repeat(4) // not 32 bytes: invalid
      const error = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: secret }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ChainError)
      expect((error as ChainError).message).not.toContain(secret)

      // No key: the node's first unlocked account.
      const unlocked = await connectChain({ rpcUrl: anvil.rpcUrl, privateKey: undefined })
      expect((await unlocked.provider.listAccounts())[0]?.address).toBe(await unlocked.signer.getAddress())
      await unlocked.close()
    } finally {
      await anvil.stop()
    }
  })
})
