import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { countLines } from './countLines.js'
import { openJsonlAppender } from './openJsonlAppender.js'
import { readJsonlLines } from './readJsonlLines.js'
import { repairJsonlTail } from './repairJsonlTail.js'

const dir = mkdtempSync(join(tmpdir(), 'glassbox-jsonl-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('JSONL files of a batch', () => {
  it('cuts a torn last line, and leaves a whole file alone', async () => {
    const path = join(dir, 'torn.jsonl')
    writeFileSync(path, '{"a":1}\n{"b":2}\n{"c":')
    expect(await repairJsonlTail(path)).toEqual({ droppedBytes: 5 })
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n')
    expect(await repairJsonlTail(path)).toEqual({ droppedBytes: 0 })
    expect(await repairJsonlTail(join(dir, 'absent.jsonl'))).toEqual({ droppedBytes: 0 })
    // A torn line longer than the read-back chunk, and a file that is one torn line.
    writeFileSync(path, `{"a":1}\n${'x'.repeat(200_000)}`)
    expect((await repairJsonlTail(path)).droppedBytes).toBe(200_000)
    writeFileSync(path, '{"only":')
    await repairJsonlTail(path)
    expect(readFileSync(path, 'utf8')).toBe('')
  })

  it('appends whole lines in order from concurrent writers, each on disk when its promise resolves', async () => {
    const path = join(dir, 'appended.jsonl')
    const out = await openJsonlAppender(path)
    await Promise.all(Array.from({ length: 500 }, (_, i) => out.append({ i })))
    await out.close()
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('streams lines with their numbers, skipping blank ones, and counts lines without reading them into memory', async () => {
    const path = join(dir, 'lines.jsonl')
    writeFileSync(path, 'one\n\ntwo\nthree')
    const seen = []
    for await (const line of readJsonlLines(path)) seen.push(line)
    expect(seen).toEqual([{ lineNumber: 1, text: 'one' }, { lineNumber: 3, text: 'two' }, { lineNumber: 4, text: 'three' }])
    expect(await countLines(path)).toBe(4)
    writeFileSync(path, 'a\nb\n')
    expect(await countLines(path)).toBe(2)
  })
})
