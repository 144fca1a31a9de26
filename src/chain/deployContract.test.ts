import { describe, expect, it } from 'vitest'
import { ChainError } from '../errors.js'
import { connectChain } from './connectChain.js'
import { connectMarket } from './connectMarket.js'
import { deployMarket } from './deployMarket.js'

describe('transaction waits time out with the hash', () => {
  it('"sent, not mined after N s" for a deployment and for a market call on a node that does not mine', async () => {
    const chain = await connectChain({ anvil: { args: ['--no-mining'] } })
    try {
      const error = (await deployMarket({ signer: chain.signer, timeoutMs: 1_000 }).catch((e: unknown) => e)) as ChainError
      expect(error).toBeInstanceOf(ChainError)
      expect(error.shortMessage).toMatch(/^Deployment of GlassboxMarket \(transaction 0x[0-9a-f]{64}\) was sent, not mined after 1 s\.$/)
      // Any address will do: without simulation the call is sent, and never mined.
      const market = connectMarket({ address: '0x000000000000000000000000000000000000bEEF', signer: chain.signer, txTimeoutMs: 1_000 })
      const call = (await market.deposit(1n, { simulate: false }).catch((e: unknown) => e)) as ChainError
      expect(call.shortMessage).toMatch(/^deposit transaction 0x[0-9a-f]{64} was sent, not mined after 1 s\.$/)
      expect(call.details).toMatch(/look it up by its hash/)
    } finally {
      await chain.close()
    }
  })
})
