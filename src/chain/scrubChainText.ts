import { redactRpcUrl } from './redactRpcUrl.js'

export type ScrubChainTextOptions = {
  /** Raw RPC URLs to replace by their redacted form wherever they appear. */
  rpcUrls?: readonly string[]
}

/** Hex runs this long are signed transactions or calldata, never something a reader needs. */
const LONG_HEX = /0x[0-9a-fA-F]{200,}/g

/**
 * Removes what must never reach a log, `--json` output or an error message from text produced
 * by ethers or a node: signed raw transactions (ethers puts them in error messages as
 * `transaction="0x02f8…"`), other long hex blobs, and RPC URLs with their secrets.
 *
 * @example
 * ```ts
 * scrubChainText(error.message, { rpcUrls: [rpcUrl] })
 * ```
 */
export function scrubChainText(text: string, { rpcUrls = [] }: ScrubChainTextOptions = {}): string {
  let out = text
  for (const url of rpcUrls) {
    if (url) out = out.split(url).join(redactRpcUrl(url))
  }
  out = out.replace(LONG_HEX, (hex) => `0x…(${(hex.length - 2) / 2} bytes redacted)`)
  // URLs with credentials or paths that were not passed in (e.g. echoed by a proxy).
  out = out.replace(/\b(https?|wss?):\/\/[^\s"'<>)]+/g, (url) => redactRpcUrl(url))
  return out
}
