import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeStateError } from '../errors.js'
import { openJsonlAppender } from '../io/openJsonlAppender.js'
import { repairJsonlTail } from '../io/repairJsonlTail.js'
import { silentLogger, type Logger } from '../logger.js'
import { applyJournalRecord, emptyJournalState, type JournalRecord, type NodeJournalState } from './nodeJournal.js'

export type OpenNodeJournalParameters = {
  /** The node's state folder (created when missing); the journal is `journal.jsonl` in it. */
  stateDir: string
  /** Who runs it: a journal written for another account, market or chain is refused. */
  identity?: { address: string; market: string; chainId: string } | undefined
  logger?: Logger | undefined
}

export type NodeJournal = {
  path: string
  /** The replayed state; every `append` updates it. */
  state: NodeJournalState
  /** Writes a record (resolves once it is on disk) and applies it to `state`. */
  append(record: JournalRecord): Promise<void>
  close(): Promise<void>
}

export type OpenNodeJournalReturnType = NodeJournal

/** The journal file of a state folder. */
export const journalPath = (stateDir: string) => join(stateDir, 'journal.jsonl')

/**
 * Opens (or creates) a prover node's journal and replays it. A last line torn by a crash (even
 * kill -9) is cut off first; every other line was flushed before the node acted on it.
 *
 * @throws {NodeStateError} When a line is not a journal record, or the journal belongs to another
 *   account, market or chain (one state folder per node: pass another `--state`).
 */
export async function openNodeJournal({ stateDir, identity, logger = silentLogger }: OpenNodeJournalParameters): Promise<OpenNodeJournalReturnType> {
  await mkdir(stateDir, { recursive: true })
  const path = journalPath(stateDir)
  const state = await repairAndRead(path, logger)
  await compactJournal(path, logger)
  const known = state.identity
  if (identity && known) {
    const same = known.address.toLowerCase() === identity.address.toLowerCase() && known.market.toLowerCase() === identity.market.toLowerCase() && known.chainId === identity.chainId
    if (!same) {
      throw new NodeStateError(`The journal in ${stateDir} belongs to ${known.address} on market ${known.market} (chain ${known.chainId}), not ${identity.address} on ${identity.market} (chain ${identity.chainId}).`, {
        details: 'Each node account and market needs its own state folder: pass another --state.',
      })
    }
  }
  const out = await openJsonlAppender(path)
  return {
    path,
    state,
    async append(record) {
      await out.append(record)
      applyJournalRecord(state, record)
    },
    close: () => out.close(),
  }
}

/**
 * Replays a journal file into its state without writing to it, so it is safe on the journal of a
 * running node (what `glassbox node status` shows): a last line without its newline is being
 * written (or was torn by a crash) and is left out. A missing file is an empty journal.
 *
 * @throws {NodeStateError} When a line is not a journal record.
 */
export async function readNodeJournal(path: string): Promise<NodeJournalState> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyJournalState()
    throw error
  }
  const lines = text.split('\n')
  lines.pop() // after the last newline: empty, or a line not yet whole
  return replay(lines, path)
}

function replay(lines: readonly string[], path: string): NodeJournalState {
  const state = emptyJournalState()
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      value = undefined
    }
    if (!value || typeof value !== 'object' || typeof (value as { t?: unknown }).t !== 'string') {
      throw new NodeStateError(`${path}:${i + 1} is not a node journal record.`, { details: 'The state folder holds something else: pass another --state.' })
    }
    applyJournalRecord(state, value as JournalRecord)
  })
  return state
}

/** Cuts a torn last line (the node's own journal, before it appends), then replays it. */
async function repairAndRead(path: string, logger: Logger): Promise<NodeJournalState> {
  const { droppedBytes } = await repairJsonlTail(path)
  if (droppedBytes) logger.warn(`${path}: cut off a torn last line (${droppedBytes} bytes) left by a crash`)
  return readNodeJournal(path)
}

/** Superseded `block` lines kept at most before the journal is rewritten without them. */
const MAX_BLOCK_LINES = 1_000

/**
 * Rewrites a journal without its superseded `block` lines (only the last one counts) once they
 * pile up, so a node running for months keeps a journal proportional to its work, not to the
 * chain's length. Written to a temporary file and renamed over the journal: a crash leaves the
 * old file or the new one, never a mix.
 */
async function compactJournal(path: string, logger: Logger): Promise<void> {
  const records: JournalRecord[] = []
  let blocks = 0
  let last: JournalRecord | undefined
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return // a missing file: nothing to compact
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const record = JSON.parse(line) as JournalRecord
    if (record.t === 'block') {
      blocks++
      last = record
    } else records.push(record)
  }
  if (blocks <= MAX_BLOCK_LINES || !last) return
  records.push(last)
  await writeFile(`${path}.tmp`, records.map((r) => `${JSON.stringify(r)}\n`).join(''))
  await rename(`${path}.tmp`, path)
  logger.debug(`${path}: compacted ${blocks - 1} superseded block lines`)
}
