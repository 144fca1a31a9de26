/**
 * A JSON-RPC URL safe to print: scheme, host and port only. Credentials (`user:pass@`) and any
 * path or query (providers put API keys there: `/v3/<key>`, `?apikey=`) are replaced by `***`.
 *
 * @example
 * ```ts
 * redactRpcUrl('https://user:pw@eth.example.com/v3/abc?x=1') // 'https://***@eth.example.com/***'
 * redactRpcUrl('http://127.0.0.1:8545') // 'http://127.0.0.1:8545'
 * ```
 */
export function redactRpcUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not a URL at all: print nothing of it, it could be a key pasted in the wrong place.
    return '<invalid URL>'
  }
  const credentials = parsed.username || parsed.password ? '***@' : ''
  const rest = (parsed.pathname && parsed.pathname !== '/') || parsed.search || parsed.hash ? '/***' : ''
  return `${parsed.protocol}//${credentials}${parsed.host}${rest}`
}

/** Whether a URL points at this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: string): boolean {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return false
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}
