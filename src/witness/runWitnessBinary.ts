import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The native binary did not produce a witness (crash, rejected input, unusable binary). */
export class NativeWitnessFailure extends Error {
  override name = 'NativeWitnessFailure'
}

export type WitnessBinaryRunner = {
  /** The `.wtns` bytes for one input; rejects with {@link NativeWitnessFailure}. */
  run(input: Record<string, unknown>): Promise<Uint8Array>
  close(): Promise<void>
}

const REPLY = 'glassbox-witness '

/**
 * Runs a native witness binary built by glassbox as a server (`circuit
 * --serve`, see witnessServerSource.ts): started on first use, it keeps
 * circuit.dat loaded and computes one witness per request, through files in
 * a private temporary folder. Requests are served one at a time. When the
 * process dies (a failed circuit assert aborts it, as circom's program does)
 * the pending request fails and the next one starts a new process.
 *
 * The process holds the event loop only while a request is pending, and ends
 * by itself when its stdin closes (this process exiting).
 */
export async function openWitnessBinary(binary: string): Promise<WitnessBinaryRunner> {
  const dir = await mkdtemp(join(tmpdir(), 'glassbox-wtns-'))
  let server: Server | undefined
  let queue: Promise<unknown> = Promise.resolve()
  let count = 0
  let closed = false

  const serve = async (input: Record<string, unknown>): Promise<Uint8Array> => {
    if (closed) throw new NativeWitnessFailure('the witness runner is closed')
    const name = String(count++)
    const inPath = join(dir, `${name}.json`)
    const outPath = join(dir, `${name}.wtns`)
    try {
      await writeFile(inPath, JSON.stringify(input))
      server ??= startServer(binary, () => (server = undefined))
      await server.request(inPath, outPath)
      const wtns = await readFile(outPath).catch(() => undefined)
      if (!wtns || wtns.length < 12 || wtns.toString('latin1', 0, 4) !== 'wtns') throw new NativeWitnessFailure(`${binary} wrote no witness file`)
      return new Uint8Array(wtns.buffer, wtns.byteOffset, wtns.byteLength)
    } finally {
      await rm(inPath, { force: true })
      await rm(outPath, { force: true })
    }
  }

  return {
    run(input) {
      const result = queue.then(() => serve(input))
      queue = result.catch(() => undefined)
      return result
    },
    async close() {
      closed = true
      await queue
      await server?.stop()
      server = undefined
      await rm(dir, { recursive: true, force: true })
    },
  }
}

type Server = { request(inPath: string, outPath: string): Promise<void>; stop(): Promise<void> }

function startServer(binary: string, onExit: () => void): Server {
  const child: ChildProcessWithoutNullStreams = spawn(binary, ['--serve'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const chatter: string[] = [] // the circuit's own output (asserts, logs), for error messages
  let pending: { resolve: () => void; reject: (e: Error) => void } | undefined
  let exited: string | undefined
  let buffer = ''
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))

  const keep = (line: string) => {
    chatter.push(line)
    if (chatter.length > 20) chatter.shift()
  }
  const settle = (error?: Error) => {
    const p = pending
    pending = undefined
    idle()
    if (error) p?.reject(error)
    else p?.resolve()
  }
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (!line.startsWith(REPLY)) keep(line)
      else if (line === `${REPLY}ok`) settle()
      else if (line.startsWith(`${REPLY}error: `)) settle(new NativeWitnessFailure(`${binary}: ${line.slice(REPLY.length + 7)}`))
    }
  })
  child.stderr.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach(keep))
  // Writing to a process that just died fails with EPIPE; its exit is what reports the failure.
  child.stdin.on('error', () => undefined)
  child.on('error', (error) => {
    exited = `cannot run ${binary}: ${error.message}`
    onExit()
    settle(new NativeWitnessFailure(exited))
  })
  child.on('close', (code, signal) => {
    exited = `${binary} exited with ${signal ?? code}${chatter.length ? `: ${chatter.slice(-3).join(' | ')}` : ''}`
    onExit()
    settle(new NativeWitnessFailure(exited))
  })

  const handles = [child, child.stdin, child.stdout, child.stderr] as unknown as { ref(): void; unref(): void }[]
  const idle = () => handles.forEach((h) => h.unref())
  const busy = () => handles.forEach((h) => h.ref())
  idle()

  return {
    request(inPath, outPath) {
      if (exited) return Promise.reject(new NativeWitnessFailure(exited))
      return new Promise<void>((resolve, reject) => {
        pending = { resolve, reject }
        busy()
        child.stdin.write(`${inPath}\n${outPath}\n`)
      })
    },
    async stop() {
      if (exited) return
      busy() // hold the event loop until the process is gone
      child.stdin.end()
      await closed
    },
  }
}
