import { afterEach, describe, expect, it, vi } from 'vitest'
import { ChainError, ChainRefusedError, CheckFailedError, FileAccessError, GlassboxError, InputError, InternalError, UsageError } from '../errors.js'

// The library call a command makes, replaced so it can fail the way a bug does.
const runFixedPoint = vi.hoisted(() => vi.fn())
vi.mock('../quantize/runFixedPoint.js', () => ({ runFixedPoint }))

const { classifyError, main } = await import('./main.js')
const { redactSecrets } = await import('./commandLine.js')

/** Runs the CLI in this process, capturing what it writes. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  try {
    const code = await main(args)
    return { code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

describe('classifyError: every failure gets a kind, a code and an exit code', () => {
  it('keeps glassbox errors, with literal names and stable codes', () => {
    const input = new InputError('bad line')
    expect(classifyError(input)).toBe(input)
    expect([input.name, input.code, input.exitCode]).toEqual(['InputError', 'GLASSBOX_INPUT', 2])
    expect(new CheckFailedError('x').exitCode).toBe(1)
    const refused = new ChainRefusedError('The registry refused submit: InferenceAlreadyRecorded()')
    expect(refused).toBeInstanceOf(ChainError)
    expect([refused.name, refused.code, refused.exitCode]).toEqual(['ChainRefusedError', 'GLASSBOX_CHAIN_REFUSED', 1])
    expect(new ChainError('cannot reach JSON-RPC').exitCode).toBe(2)
  })

  it('turns a file system error into FileAccessError naming the path (exit 2)', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'out/x/model.json'"), { code: 'ENOENT', syscall: 'open', path: 'out/x/model.json', errno: -2 })
    const classified = classifyError(enoent)
    expect(classified).toBeInstanceOf(FileAccessError)
    expect(classified).toMatchObject({ name: 'FileAccessError', code: 'GLASSBOX_FILE_ACCESS', exitCode: 2, path: 'out/x/model.json', errno: 'ENOENT' })
    expect(classified.shortMessage).toBe('no such file or folder: out/x/model.json')
    const eexist = classifyError(Object.assign(new Error('EEXIST'), { code: 'EEXIST', syscall: 'mkdir', path: 'build/iris' }))
    expect(eexist.shortMessage).toBe('a file is in the way: build/iris')
    expect(eexist.details).toMatch(/--out/)
  })

  it('turns anything else into an InternalError (exit 70, not 1 "a check failed")', () => {
    const bug = classifyError(new TypeError("Cannot read properties of undefined (reading 'layers')"))
    expect(bug).toBeInstanceOf(InternalError)
    expect([bug.code, bug.exitCode]).toEqual(['GLASSBOX_INTERNAL', 70])
    expect(bug.shortMessage).toMatch(/^internal error: Cannot read properties/)
    expect(bug.details).toMatch(/glassbox bug/)
    expect(classifyError('a thrown string').exitCode).toBe(70)
    const yargs = Object.assign(new Error('Unknown argument: frob'), { name: 'YError' })
    expect(classifyError(yargs)).toBeInstanceOf(UsageError)
  })
})

describe('main: exit codes and --json failures', () => {
  afterEach(() => runFixedPoint.mockReset())

  it('exits 70 on an unexpected exception and says it is a bug', async () => {
    runFixedPoint.mockRejectedValue(new TypeError('boom'))
    const result = await cli('run', 'build/x', '--inputs', 'in.jsonl')
    expect(result.code).toBe(70)
    expect(result.stderr).toMatch(/error: internal error: boom\nThis is a glassbox bug/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.stdout).toBe('')
  })

  it('prints one JSON error document on stdout with --json', async () => {
    runFixedPoint.mockRejectedValue(new TypeError('boom'))
    const bug = await cli('run', 'build/x', '--inputs', 'in.jsonl', '--json')
    expect(bug.code).toBe(70)
    expect(JSON.parse(bug.stdout)).toEqual({
      ok: false,
      error: { name: 'InternalError', code: 'GLASSBOX_INTERNAL', message: 'internal error: boom', details: expect.stringMatching(/glassbox bug/), exitCode: 70 },
    })
    runFixedPoint.mockRejectedValue(new InputError('in.jsonl:2: "input" has 2 values but the model takes 4.', { details: 'Fix the line.' }))
    const input = await cli('run', 'build/x', '--inputs', 'in.jsonl', '--json')
    expect(input.code).toBe(2)
    expect(JSON.parse(input.stdout)).toEqual({
      ok: false,
      error: { name: 'InputError', code: 'GLASSBOX_INPUT', message: 'in.jsonl:2: "input" has 2 values but the model takes 4.', details: 'Fix the line.', exitCode: 2 },
    })
  })

  it('prints the result, and only the result, when the command succeeds', async () => {
    runFixedPoint.mockResolvedValue([{ id: 'a', output: [0.5], outputQ: ['8'], class: 0 }])
    const ok = await cli('run', 'build/x', '--inputs', 'in.jsonl', '--json')
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toEqual([{ id: 'a', output: [0.5], outputQ: ['8'], class: 0 }])
  })

  it('reports usage errors as UsageError, exit 2, also in JSON', async () => {
    const missing = await cli('run', 'build/x', '--json')
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stdout).error).toMatchObject({ name: 'UsageError', code: 'GLASSBOX_USAGE', message: expect.stringMatching(/inputs/) })
    expect((await cli('frobnicate')).code).toBe(2)
    expect(runFixedPoint).not.toHaveBeenCalled()
  })

  it('keeps GlassboxError subclasses from other stages as they are', async () => {
    runFixedPoint.mockRejectedValue(new GlassboxError('plain'))
    const plain = await cli('run', 'build/x', '--inputs', 'in.jsonl', '--json')
    expect(plain.code).toBe(2)
    expect(JSON.parse(plain.stdout).error.code).toBe('GLASSBOX_ERROR')
  })
})

describe('redactSecrets', () => {
  it('keeps scheme, host and port of a URL and drops credentials, path and query', () => {
    expect(
      redactSecrets(['deploy', 'build/x', '--rpc', 'https://mainnet.example.org/v3/0123456789abcdef', '--queue=redis://user:hunter2@10.0.0.5:6379/0', '--json']),
    ).toEqual(['deploy', 'build/x', '--rpc', 'https://mainnet.example.org/…', '--queue=redis://…@10.0.0.5:6379/…', '--json'])
    expect(redactSecrets(['--rpc', 'http://127.0.0.1:8545'])).toEqual(['--rpc', 'http://127.0.0.1:8545'])
    expect(redactSecrets(['--rpc', 'http://127.0.0.1:8545/?key=secret'])).toEqual(['--rpc', 'http://127.0.0.1:8545/…'])
  })
})
