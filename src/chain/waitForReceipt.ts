import type { Provider, TransactionReceipt } from 'ethers'

export type WaitForReceiptParameters = {
  provider: Provider
  txHash: string
  /** Give up after this long, in ms. */
  timeoutMs: number
  /** How often to ask, in ms (default: the provider's polling interval, else 1 s). */
  pollMs?: number | undefined
}

/**
 * Polls for a transaction's receipt until it is mined or `timeoutMs` passes.
 *
 * Not ethers' `waitForTransaction`: that one checks once, then waits for a *new* block event,
 * and on an automining chain the block holding the transaction can land between the two, so
 * it waits for a block that never comes (seen on a loaded machine: "not mined after 30 s" for a
 * transaction mined at once).
 *
 * @returns The receipt, or `undefined` when it was not mined in time.
 */
export async function waitForReceipt({ provider, txHash, timeoutMs, pollMs }: WaitForReceiptParameters): Promise<TransactionReceipt | undefined> {
  const interval = pollMs ?? (provider as { pollingInterval?: number }).pollingInterval ?? 1_000
  const deadline = Date.now() + timeoutMs
  while (true) {
    const receipt = await provider.getTransactionReceipt(txHash)
    if (receipt) return receipt
    if (Date.now() >= deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))))
  }
}
