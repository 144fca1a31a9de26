import type { ConnectionOptions } from 'bullmq'
import { InputError } from '../errors.js'
import type { Logger } from '../logger.js'

/** A Redis URL with its credentials replaced by `***`, for logs, errors and `--json`. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.username || parsed.password) {
      parsed.username = parsed.username ? '***' : ''
      parsed.password = parsed.password ? '***' : ''
    }
    return parsed.toString().replace(/\/$/, '')
  } catch {
    return '(an unparsable Redis URL)'
  }
}

/**
 * BullMQ connection options for a `redis://[user:password@]host:port[/db]`
 * (or `rediss://` for TLS) URL. Every request waits for the connection
 * instead of failing (`maxRetriesPerRequest: null`, which BullMQ workers
 * require), and a lost connection is retried with back-off from 0.5 s to 10 s,
 * logged as a warning with the redacted URL at most every 10 s.
 *
 * @throws {InputError} for a URL that is not redis:// or rediss://.
 */
export function redisConnection(url: string, logger: Logger): { connection: ConnectionOptions; reportError: (error: unknown) => void } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError(`--queue ${redactRedisUrl(url)} is not a URL.`, { details: 'Pass redis://host:port (or rediss:// for TLS), e.g. redis://127.0.0.1:6379.' })
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InputError(`--queue ${redactRedisUrl(url)} is not a Redis URL.`, { details: 'Pass redis://host:port (or rediss:// for TLS), e.g. redis://127.0.0.1:6379.' })
  }
  const shown = redactRedisUrl(url)
  let lastReport = 0
  const reportError = (error: unknown) => {
    const now = Date.now()
    if (now - lastReport < 10_000) return
    lastReport = now
    const code = (error as { code?: string }).code
    logger.warn(`Redis at ${shown} is unreachable (${code ?? (error instanceof Error ? error.message : String(error))}); retrying with back-off (up to every 10 s)`)
  }
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0
  return {
    connection: {
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(Number.isInteger(db) ? { db } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      retryStrategy: (times: number) => Math.min(500 * times, 10_000),
    },
    reportError,
  }
}
