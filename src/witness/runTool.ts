import { spawn } from 'node:child_process'

export type RunToolReturnType = { code: number; signal: NodeJS.Signals | null; output: string; ms: number }

/**
 * Runs a program with an argument array (never a shell string) and collects
 * its stdout and stderr together, keeping at most the last `keep` characters.
 * Rejects only when the program cannot be started (ENOENT, EACCES).
 */
export function runTool(command: string, args: readonly string[], { cwd, keep = 20_000 }: { cwd?: string; keep?: number } = {}): Promise<RunToolReturnType> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.length > 2 * keep) output = output.slice(-keep)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, output: output.slice(-keep), ms: performance.now() - started }))
  })
}

/** The last `lines` lines of a text, for error details. */
export function tailLines(text: string, lines = 20): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}
