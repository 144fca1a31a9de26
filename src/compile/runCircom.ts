import { spawn } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { packagePath } from '../packageRoot.js'
import { CompileError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'

const require = createRequire(import.meta.url)

/** glassbox's own circuit templates. */
export const CIRCUITS_DIR = packagePath('circuits')

export type RunCircomParameters = {
  /** circom source of the main component. */
  source: string
  /** Folder to write circuit.r1cs, circuit.wasm and circuit.sym into. */
  outDir: string
  /** circom simplification level: 0, 1 or 2 (2 removes every linear constraint). */
  optimization?: 0 | 1 | 2
  logger?: Logger
}

/**
 * Compiles circom source with the circom2 compiler (circom in WebAssembly).
 *
 * circom2 runs under WASI and sees only its working directory, so the source,
 * our templates and the circomlib files they include are copied into a
 * temporary folder first; the compiler is a child process run with an
 * argument array.
 *
 * @throws {CompileError} with the compiler's own message when it fails.
 */
export async function runCircom({ source, outDir, optimization = 2, logger = silentLogger }: RunCircomParameters): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'glassbox-circom-'))
  try {
    const lib = join(work, 'lib')
    await mkdir(lib)
    await mkdir(join(work, 'out'))
    for (const file of ['glassbox.circom', 'committed.circom', 'tensorOps.circom', 'nonlinear.circom']) await copyFile(join(CIRCUITS_DIR, file), join(lib, file))
    const circomlib = join(dirname(require.resolve('circomlib/package.json')), 'circuits')
    for (const file of ['poseidon.circom', 'poseidon_constants.circom']) await copyFile(join(circomlib, file), join(lib, file))
    await writeFile(join(work, 'circuit.circom'), source)

    const cli = require.resolve('circom2/cli.js')
    const args = [cli, 'circuit.circom', '--r1cs', '--wasm', '--sym', `--O${optimization}`, '-l', 'lib', '-o', 'out']
    const { code, output } = await run(process.execPath, args, work, logger)
    if (code !== 0 || !/Everything went okay/.test(output)) {
      throw new CompileError('The circom compiler failed on the generated circuit.', {
        details: `${tail(output, 25)}\nThis is a bug in glassbox's code generation if the model compiled cleanly otherwise; please report it with the model.`,
      })
    }
    await mkdir(outDir, { recursive: true })
    await rename(join(work, 'out', 'circuit.r1cs'), join(outDir, 'circuit.r1cs'))
    await rename(join(work, 'out', 'circuit.sym'), join(outDir, 'circuit.sym'))
    await rename(join(work, 'out', 'circuit_js', 'circuit.wasm'), join(outDir, 'circuit.wasm'))
  } catch (cause) {
    if (cause instanceof CompileError) throw cause
    const files = await readdir(work).catch(() => [])
    throw new CompileError('Could not run the circom compiler.', { details: `Working folder held: ${files.join(', ')}.`, cause })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

function run(command: string, args: string[], cwd: string, logger: Logger): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const collect = (chunk: Buffer) => {
      const text = chunk.toString()
      output += text
      for (const line of text.split('\n')) if (line.trim()) logger.debug(`circom: ${stripAnsi(line)}`)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output: stripAnsi(output) }))
  })
}

function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

function tail(text: string, lines: number): string {
  return text.trim().split('\n').slice(-lines).join('\n')
}
