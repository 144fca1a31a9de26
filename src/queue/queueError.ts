import { GlassboxError } from '../errors.js'

/** The queue side of a batch: Redis, BullMQ, or a build that cannot be fetched or does not match its hashes. */
export class QueueError extends GlassboxError {
  override readonly name = 'QueueError' as const
  override readonly code = 'GLASSBOX_QUEUE' as const
}
