import type { BatchEvent, ProveBatchReturnType } from './proveBatchStream.js'

/** The hand-over from a running batch to the consumer of its events (the batch stops scheduling while the backlog is long). */
export type EventChannel = {
  push(event: BatchEvent): void
  next(): Promise<IteratorResult<BatchEvent, ProveBatchReturnType>>
  end(summary: ProveBatchReturnType): void
  fail(error: unknown): void
  readonly backlog: number
  /** Resolves when the consumer took an event. */
  drained(): Promise<void>
}

/** A queue from the batch to its consumer; consecutive progress events collapse into the newest. */
export function createEventChannel(): EventChannel {
  const events: BatchEvent[] = []
  let outcome: { summary: ProveBatchReturnType } | { error: unknown } | undefined
  let wake: (() => void) | undefined
  let taken: (() => void)[] = []
  const notify = () => {
    wake?.()
    wake = undefined
  }
  return {
    push(event) {
      if (event.type === 'progress' && events.at(-1)?.type === 'progress') events[events.length - 1] = event
      else events.push(event)
      notify()
    },
    async next() {
      for (;;) {
        const event = events.shift()
        if (event) {
          for (const t of taken) t()
          taken = []
          return { done: false, value: event }
        }
        if (outcome) {
          if ('error' in outcome) throw outcome.error
          return { done: true, value: outcome.summary }
        }
        await new Promise<void>((r) => (wake = r))
      }
    },
    end(summary) {
      events.push({ type: 'done', summary })
      outcome = { summary }
      notify()
    },
    fail(error) {
      outcome = { error }
      notify()
    },
    get backlog() {
      return events.length
    },
    drained: () => new Promise<void>((r) => taken.push(r)),
  }
}
