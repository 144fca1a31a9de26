/**
 * Short steps that must not be cut in half by Ctrl-C or SIGTERM: swapping a
 * build's key files in and recording their hashes, for example. The CLI's
 * signal handler waits for every step running here before it exits, so a
 * folder is never left with files that do not match its manifest.
 */
const running = new Set<Promise<unknown>>()

/** Runs `step`; an interrupt that arrives meanwhile exits only once it has finished. */
export async function uninterruptible<T>(step: () => Promise<T>): Promise<T> {
  const promise = step()
  running.add(promise)
  try {
    return await promise
  } finally {
    running.delete(promise)
  }
}

/** How many uninterruptible steps are running now. */
export function uninterruptibleCount(): number {
  return running.size
}

/** Resolves once every uninterruptible step running now has finished (successfully or not). */
export async function settleUninterruptible(): Promise<void> {
  await Promise.allSettled([...running])
}
