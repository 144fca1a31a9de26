import type { QueueBase } from 'bullmq'

/**
 * The plain Redis commands the queue stage uses besides BullMQ's own (build
 * descriptors and content-addressed artifacts). BullMQ's connection is an
 * ioredis client; its published type lists only what BullMQ itself calls, so
 * this names the few more we need instead of importing ioredis (a BullMQ dependency, not ours).
 */
export type RawRedis = {
  get(key: string): Promise<string | null>
  getBuffer(key: string): Promise<Buffer | null>
  set(key: string, value: string | Buffer, ex: 'EX', seconds: number, nx?: 'NX'): Promise<unknown>
  exists(key: string): Promise<number>
  expire(key: string, seconds: number): Promise<number>
  sadd(key: string, member: string): Promise<number>
  smembers(key: string): Promise<string[]>
}

/** The Redis client under a BullMQ queue or worker. */
export async function rawRedis(holder: QueueBase): Promise<RawRedis> {
  return (await holder.client) as unknown as RawRedis
}
