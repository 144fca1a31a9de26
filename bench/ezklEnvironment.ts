/**
 * The private Python environment `npm run bench:ezkl` runs ezkl in, and the calls into
 * bench/ezkl_pipeline.py. ezkl is a benchmark's comparison point, never a dependency of glassbox
 * or its tests: it lives in a gitignored virtualenv under bench/.ezkl/ that the bench creates.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The ezkl release the comparison is pinned to (PyPI). */
export const EZKL_VERSION = '23.0.5'

export type EzklEnvironment = { python: string; version: string; pythonVersion: string }

/** Why ezkl is not usable, and what the user can do about it. */
export type EzklUnavailable = { failed: string; details: string; fix: string }

export type EnsureEzklParameters = {
  /** bench/.ezkl: holds venv/ and the SRS cache. */
  cacheDir: string
  /** The interpreter that creates the venv (Python ≥ 3.9; 3.11 is what the bench was run with). */
  basePython: string
  pipelineScript: string
  log: (message: string) => void
}

type RunResult = { code: number | null; stdout: string; stderr: string }

/** Runs a command (argument array, no shell) and collects its output; never throws on exit codes. */
export function runCommand(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (options.echo) process.stderr.write(chunk)
    })
    child.once('error', (error) => resolve({ code: -1, stdout, stderr: `${stderr}${error.message}` }))
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

const tail = (text: string, lines = 12) => text.trim().split('\n').slice(-lines).join('\n')

/**
 * Makes sure bench/.ezkl/venv has ezkl {@link EZKL_VERSION} and that it imports.
 *
 * Creates the venv with `<basePython> -m venv` and installs from PyPI with the venv's own pip the
 * first time; later runs only import-check it. Returns what failed instead of throwing, so the
 * bench can say so and exit 0.
 */
export async function ensureEzkl({ cacheDir, basePython, pipelineScript, log }: EnsureEzklParameters): Promise<EzklEnvironment | EzklUnavailable> {
  const venv = join(cacheDir, 'venv')
  const python = join(venv, 'bin', 'python')
  const marker = join(venv, '.glassbox-ezkl-version')
  await mkdir(cacheDir, { recursive: true })
  const installed = existsSync(marker) ? (await readFile(marker, 'utf8')).trim() : undefined
  if (installed !== EZKL_VERSION) {
    if (!existsSync(python)) {
      log(`creating a virtualenv in ${venv} with ${basePython}…`)
      const created = await runCommand(basePython, ['-m', 'venv', venv])
      if (created.code !== 0) {
        await rm(venv, { recursive: true, force: true })
        return {
          failed: `\`${basePython} -m venv ${venv}\` exited with ${created.code}`,
          details: tail(created.stderr || created.stdout),
          fix: 'Install Python 3.11 with its venv module (e.g. `apt-get install python3.11-venv`), or pass `--python /path/to/python3.11`.',
        }
      }
    }
    log(`pip install ezkl==${EZKL_VERSION} (PyPI) into ${venv}…`)
    const pip = await runCommand(python, ['-m', 'pip', 'install', '--disable-pip-version-check', `ezkl==${EZKL_VERSION}`], { echo: false })
    if (pip.code !== 0) {
      return {
        failed: `pip install ezkl==${EZKL_VERSION} exited with ${pip.code}`,
        details: tail(pip.stderr || pip.stdout),
        fix: `Check that PyPI is reachable (or a pip index/wheel folder with ezkl ${EZKL_VERSION} for this platform is configured), then run the bench again. ezkl publishes wheels for Linux x86_64/aarch64 and macOS.`,
      }
    }
  }
  const result = join(cacheDir, `check-${process.pid}.json`)
  const check = await runCommand(python, [pipelineScript, 'check', '--result', result])
  if (check.code !== 0 || !existsSync(result)) {
    return {
      failed: `ezkl does not import in ${venv}`,
      details: tail(check.stderr || check.stdout),
      fix: `Delete ${venv} and run the bench again to reinstall ezkl ${EZKL_VERSION}.`,
    }
  }
  const found = JSON.parse(await readFile(result, 'utf8')) as { version: string | null; python: string }
  await rm(result, { force: true })
  if (found.version !== EZKL_VERSION) {
    return {
      failed: `${venv} has ezkl ${found.version ?? '(unknown version)'}, the bench is pinned to ${EZKL_VERSION}`,
      details: '',
      fix: `Delete ${venv} and run the bench again.`,
    }
  }
  await writeFile(marker, `${EZKL_VERSION}\n`)
  return { python, version: found.version, pythonVersion: found.python }
}

export function isUnavailable(value: EzklEnvironment | EzklUnavailable): value is EzklUnavailable {
  return 'failed' in value
}

/**
 * The ezkl process's environment: every proxy points at a closed loopback port, so ezkl can
 * download nothing (no SRS from its bucket, no solc binary through svm) and fails fast instead.
 */
export function offlineEnv(): NodeJS.ProcessEnv {
  const dead = 'http://127.0.0.1:9'
  return { ...process.env, HTTPS_PROXY: dead, https_proxy: dead, HTTP_PROXY: dead, http_proxy: dead, ALL_PROXY: dead, all_proxy: dead, NO_PROXY: '', no_proxy: '' }
}

/** Runs one pipeline subcommand and returns its JSON result; throws with ezkl's stderr tail on failure. */
export async function runPipeline<T>(environment: EzklEnvironment, script: string, command: string, args: readonly string[], resultPath: string): Promise<T> {
  const run = await runCommand(environment.python, [script, command, ...args, '--result', resultPath], { env: offlineEnv(), echo: true })
  if (run.code !== 0 || !existsSync(resultPath)) throw new Error(`ezkl ${command} failed (exit ${run.code}):\n${tail(run.stderr, 20)}`)
  return JSON.parse(await readFile(resultPath, 'utf8')) as T
}
