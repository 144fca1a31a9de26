import { Transaction, Wallet } from 'ethers'
import { describe, expect, it } from 'vitest'
import { chainFailure } from './chainFailure.js'
import { isLoopbackUrl, redactRpcUrl } from './redactRpcUrl.js'
import { scrubChainText } from './scrubChainText.js'

describe('redactRpcUrl / scrubChainText / chainFailure', () => {
  it('keeps scheme, host and port; hides credentials, path and query', () => {
    expect(redactRpcUrl('https://mainnet.infura.io/v3/abc123')).toBe('https://mainnet.infura.io/***')
    expect(redactRpcUrl('https://u:p@h.example:8443/?key=1')).toBe('https://***@h.example:8443/***')
    expect(redactRpcUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545')
    expect(redactRpcUrl('0xdeadbeef')).toBe('<invalid URL>')
    expect([isLoopbackUrl('http://127.0.0.1:1'), isLoopbackUrl('http://localhost:8545'), isLoopbackUrl('http://[::1]:8545'), isLoopbackUrl('https://10.0.0.1')]).toEqual([true, true, true, false])
  })

  it('removes a signed raw transaction and RPC secrets from an ethers-style error, message and stack', async () => {
    const wallet = Wallet.createRandom()
    const raw = await wallet.signTransaction(Transaction.from({ to: wallet.address, value: 1n, chainId: 1n, nonce: 0, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, data: `0x${'ab'.repeat(200)}` }))
    const url = 'https://rpc.example.com/v3/SECRETKEY'
    const error = new Error(`insufficient funds (transaction="${raw}", info={ "requestUrl": "${url}" }, code=INSUFFICIENT_FUNDS)`)
    expect(scrubChainText(error.message, { rpcUrls: [url] })).not.toMatch(/SECRETKEY|ab{3}/)
    const wrapped = chainFailure(error, { shortMessage: 'lock failed', rpcUrls: [url] })
    const everything = `${wrapped.message}\n${wrapped.details}\n${(wrapped.cause as Error).message}\n${(wrapped.cause as Error).stack}`
    expect(everything).not.toContain(raw.slice(2, 120))
    expect(everything).not.toContain('SECRETKEY')
    expect(everything).toMatch(/bytes redacted/)
    expect(everything).toContain('https://rpc.example.com/***')
  })
})
