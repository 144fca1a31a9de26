import { createHash } from 'node:crypto'

/**
 * What a batch knows about one input id: the line it first appears on in the
 * inputs file, the line of its proof in the proofs file, and a 64-bit prefix
 * of the proven input's SHA-256 (to refuse a resume whose input changed).
 * 0 means "none" for the line numbers (they are 1-based).
 */
export type IdEntry = { inputLine: number; proofLine: number; inputHashPrefix: string }

export type IdIndex = {
  /** The slot of `id`, or -1 when the index has never seen it. */
  find(id: string): number
  /** The slot of `id`, added (all fields 0) when new. */
  add(id: string): number
  get(slot: number): IdEntry
  setInputLine(slot: number, line: number): void
  setProof(slot: number, line: number, inputSha256: string): void
  readonly size: number
  /** Bytes held by the table's arrays. */
  readonly bytes: number
}

const WORDS = 6 // key hi, key lo, input line, proof line, input hash hi, input hash lo

/**
 * An open-addressing hash table over typed arrays keyed by the first 64 bits
 * of SHA-256(id): 24 bytes a slot, at most 75% full, instead of a string and a
 * boxed object per id (a `Map<string, …>` of a million ids costs several times
 * more and fragments the heap). Two ids share a key with probability about
 * n²/2⁶⁵ (3·10⁻⁸ for a million ids); a collision is never silent: it shows as a
 * duplicate id or an input-hash mismatch, both refused with a message.
 */
export function createIdIndex(initialCapacity = 1024): IdIndex {
  let capacity = 1
  while (capacity < initialCapacity) capacity *= 2
  let table = new Uint32Array(capacity * WORDS)
  let size = 0

  const keyOf = (id: string): [number, number] => {
    const digest = createHash('sha256').update(id).digest()
    const hi = digest.readUInt32BE(0)
    const lo = digest.readUInt32BE(4)
    // (0, 0) marks an empty slot.
    return hi === 0 && lo === 0 ? [0, 1] : [hi, lo]
  }
  const probe = (t: Uint32Array, cap: number, hi: number, lo: number): number => {
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & (cap - 1)
    for (;;) {
      const at = slot * WORDS
      if ((t[at] === 0 && t[at + 1] === 0) || (t[at] === hi && t[at + 1] === lo)) return slot
      slot = (slot + 1) & (cap - 1)
    }
  }
  const grow = () => {
    const next = new Uint32Array(capacity * 2 * WORDS)
    for (let s = 0; s < capacity; s++) {
      const at = s * WORDS
      if (table[at] === 0 && table[at + 1] === 0) continue
      const to = probe(next, capacity * 2, table[at]!, table[at + 1]!) * WORDS
      next.set(table.subarray(at, at + WORDS), to)
    }
    table = next
    capacity *= 2
  }

  return {
    find(id) {
      const [hi, lo] = keyOf(id)
      const slot = probe(table, capacity, hi, lo)
      return table[slot * WORDS] === 0 && table[slot * WORDS + 1] === 0 ? -1 : slot
    },
    add(id) {
      if ((size + 1) * 4 > capacity * 3) grow()
      const [hi, lo] = keyOf(id)
      const slot = probe(table, capacity, hi, lo)
      const at = slot * WORDS
      if (table[at] === 0 && table[at + 1] === 0) {
        table[at] = hi
        table[at + 1] = lo
        size++
      }
      return slot
    },
    get(slot) {
      const at = slot * WORDS
      const hash = table[at + 4]!.toString(16).padStart(8, '0') + table[at + 5]!.toString(16).padStart(8, '0')
      return { inputLine: table[at + 2]!, proofLine: table[at + 3]!, inputHashPrefix: hash }
    },
    setInputLine(slot, line) {
      table[slot * WORDS + 2] = line
    },
    setProof(slot, line, inputSha256) {
      const at = slot * WORDS
      table[at + 3] = line
      table[at + 4] = Number.parseInt(inputSha256.slice(0, 8), 16) >>> 0
      table[at + 5] = Number.parseInt(inputSha256.slice(8, 16), 16) >>> 0
    },
    get size() {
      return size
    },
    get bytes() {
      return table.byteLength
    },
  }
}
