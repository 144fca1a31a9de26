/**
 * Who answers Ctrl-C and SIGTERM. By default the CLI's own handler exits at
 * once (after any uninterruptible file swap) with exit 130 and how to resume.
 * A command that can stop gracefully (prove: finish the proofs in flight)
 * claims the signals while it runs; the CLI then passes them on to it.
 */
type InterruptHandler = (signal: NodeJS.Signals) => void

let claimed: InterruptHandler | undefined

/** Routes SIGINT/SIGTERM to `handler` until the returned function is called. */
export function claimInterrupts(handler: InterruptHandler): () => void {
  claimed = handler
  return () => {
    if (claimed === handler) claimed = undefined
  }
}

/** The handler a command claimed, if any. */
export function claimedInterruptHandler(): InterruptHandler | undefined {
  return claimed
}
