import { Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { ChainError } from '../errors.js'
import { connectChain } from './connectChain.js'
import { startAnvil } from './startAnvil.js'

const SECRET_URL = 'https://user:hunter2@rpc.example.invalid/v3/0123456789abcdef?apikey=topsecret'

describe('connectChain', () => {
  it('fails fast with a ChainError when the URL is unreachable', async () => {
    const error = await connectChain({ rpcUrl: 'http://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).shortMessage).toMatch(/^cannot reach JSON-RPC at http:\/\/127\.0\.0\.1:1/)
    expect((error as ChainError).details).toMatch(/--rpc/)
  })

  it('refuses a node on another machine without --chain-id, before sending anything, and never shows the URL secrets', async () => {
    const error = (await connectChain({ rpcUrl: SECRET_URL }).catch((e: unknown) => e)) as ChainError
    expect(error).toBeInstanceOf(ChainError)
    expect(error.shortMessage).toMatch(/pass --chain-id/)
    for (const secret of ['hunter2', '0123456789abcdef', 'topsecret', '/v3/']) expect(error.message).not.toContain(secret)
    expect(error.message).toContain('https://***@rpc.example.invalid/***')
  })

  it('refuses plain http to another machine unless --insecure', async () => {
    const plain = (await connectChain({ rpcUrl: 'http://10.255.255.1:8545/key', chainId: 1 }).catch((e: unknown) => e)) as ChainError
    expect(plain.shortMessage).toMatch(/plain http/)
    expect(plain.message).not.toContain('/key')
    // With --insecure the URL is accepted and the node is probed (here: nothing answers, fast).
    const probed = (await connectChain({ rpcUrl: 'http://10.255.255.1:8545/key', chainId: 1, insecure: true, requestTimeoutMs: 300 }).catch((e: unknown) => e)) as ChainError
    expect(probed.shortMessage).toMatch(/^cannot reach JSON-RPC at http:\/\/10\.255\.255\.1:8545\/\*\*\*: /)
  })

  it('refuses a node that reports another chain id', async () => {
    const anvil = await startAnvil()
    try {
      const error = (await connectChain({ rpcUrl: anvil.rpcUrl, chainId: 1 }).catch((e: unknown) => e)) as ChainError
      expect(error.shortMessage).toMatch(/is on chain 31337, not 1/)
      const ok = await connectChain({ rpcUrl: anvil.rpcUrl, chainId: 31337 })
      expect(ok.chainId).toBe(31337n)
      expect(ok.embedded).toBe(false)
      await ok.close()
    } finally {
      await anvil.stop()
    }
  })

  it('starts an embedded anvil without a URL, with an unlocked funded signer, and stops it on close', async () => {
    const chain = await connectChain({})
    try {
      expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(chain.embedded).toBe(true)
      const address = await chain.signer.getAddress()
      expect(await chain.provider.getBalance(address)).toBeGreaterThan(0n)
      expect(chain.chainId).toBe(31337n)
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
