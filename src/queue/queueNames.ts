/**
 * Redis names of the queue stage, from one place. BullMQ keys live under the
 * `glassbox` prefix; a build's jobs go to a queue named by its verification
 * key's hash, so two models (or one model before and after a second `setup`)
 * never share a queue.
 */
export const QUEUE_PREFIX = 'glassbox'

export function queueNameFor(vkeySha256: string): string {
  return `prove-${vkeySha256.slice(0, 16)}`
}

/** The set of verification-key hashes with a published build descriptor (workers watch it). */
export const BUILDS_KEY = `${QUEUE_PREFIX}:builds`

export function buildKeyFor(vkeySha256: string): string {
  return `${QUEUE_PREFIX}:build:${vkeySha256}`
}

/** An artifact's bytes, keyed by their SHA-256 (content-addressed). */
export function artifactKeyFor(sha256: string): string {
  return `${QUEUE_PREFIX}:artifact:${sha256}`
}

/**
 * The BullMQ job id of an input id: the id itself, percent-encoded where
 * BullMQ forbids it (`:`) and prefixed so that a numeric id is not taken for
 * an integer id (also forbidden). Adding a job twice is then a no-op.
 */
export function jobIdFor(inputId: string): string {
  return `in-${inputId.replace(/[%:]/g, (c) => encodeURIComponent(c))}`
}
