/**
 * The npm package as a new user gets it: `npm pack`, install the tarball into a
 * fresh folder, typecheck a strict TypeScript consumer (`strict`,
 * `skipLibCheck: false`) and run compile → setup → prove → verify through the
 * public API. The consumer install sets GLASSBOX_SKIP_NATIVE_BUILD=1 (no cargo
 * build in the test: minutes of two shared cores), so it also proves the
 * snarkjs fallback; the install script itself runs (allowScripts) and records
 * the skip. Needs dist/ (`npm test` builds it) and the npm cache (the install is
 * --prefer-offline).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDevPtau } from '../src/setup/ensureDevPtau.js'
import { KEYS_DIR, ROOT } from './support/exampleBuild.js'

const run = promisify(execFile)
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

type PackedFile = { path: string; size: number }

describe('the npm package installs, typechecks strictly and proves in a fresh folder', () => {
  let work: string
  let consumer: string
  let files: string[]
  let tarball: string

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test')
    work = await mkdtemp(join(tmpdir(), 'glassbox-package-'))
    // --ignore-scripts: `prepare` would rebuild dist/ under the other test files that run it; npm test has just built it.
    const { stdout } = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 << 20 })
    const [packed] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[]
    files = packed!.files.map((f) => f.path)
    tarball = join(work, packed!.filename)
  }, 120_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('ships dist, bin, circuits, contracts, the native sources and their build script, and nothing built for this machine', async () => {
    for (const required of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/cli-bundle/main.js',
      'dist/cli-bundle/proveWorker.js',
      'dist/prove/proveWorker.js',
      'bin/glassbox.js',
      'circuits/glassbox.circom',
      'circuits/tensorOps.circom',
      'circuits/nonlinear.circom',
      'contracts/GlassboxRegistry.sol',
      'native/Cargo.toml',
      'native/Cargo.lock',
      'native/build.rs',
      'native/src/lib.rs',
      'scripts/build-native.mjs',
      'examples/iris/model.onnx',
      'examples/iris/calibration.jsonl',
    ]) {
      expect(files, required).toContain(required)
    }
    // No prebuilt addon, no cargo config (it held target-cpu=native), no tests or sources of dist.
    expect(files.filter((f) => /\.node$|^native\/\.cargo|^native\/target\/|\.test\.|^src\/|\.map$/.test(f))).toEqual([])
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    // Tarball and registry consumers run `install`, never `prepare`; the clone's `npm ci` runs both.
    expect(manifest.scripts.install).toBe('node scripts/build-native.mjs')
    expect(manifest.scripts.prepare).toMatch(/npm run build/)
  })

  it('installs into a fresh folder (native build skipped: snarkjs fallback)', async () => {
    consumer = join(work, 'consumer')
    await mkdir(consumer)
    const nodeTypes = (JSON.parse(await readFile(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version
    // npm 11 runs a dependency's install script only when the project allows it.
    await writeFile(join(consumer, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', allowScripts: { glassbox: true } }, null, 2)}\n`)
    await run(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `@types/node@${nodeTypes}`], {
      cwd: consumer,
      env: { ...process.env, GLASSBOX_SKIP_NATIVE_BUILD: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' },
      maxBuffer: 64 << 20,
    })
    const installed = join(consumer, 'node_modules', 'glassbox')
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true)
    expect(existsSync(join(installed, 'native', 'glassbox_native.node'))).toBe(false)
    // The install script ran and left its note (quoted by the runtime warning).
    expect(JSON.parse(await readFile(join(installed, 'native', 'build-native.json'), 'utf8'))).toMatchObject({ ok: false, reason: expect.stringMatching(/GLASSBOX_SKIP_NATIVE_BUILD/) })
    // What a shipped build would use: no CPU-specific code generation anywhere in the native sources or the build script.
    for (const file of ['native/Cargo.toml', 'scripts/build-native.mjs', ...(await readdir(join(installed, 'native', 'src'))).map((f) => `native/src/${f}`)]) {
      expect(await readFile(join(installed, file), 'utf8'), file).not.toMatch(/target-cpu\s*=\s*"?native/)
    }
    const version = await run(process.execPath, [join(consumer, 'node_modules', '.bin', 'glassbox'), '--version'], { cwd: consumer })
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  }, 600_000)

  it('a strict consumer typechecks (skipLibCheck false) and proves and verifies through the public API', async () => {
    await copyFile(join(ROOT, 'test', 'fixtures', 'consumer', 'consumer.ts'), join(consumer, 'consumer.ts'))
    const tsconfig = {
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noUncheckedIndexedAccess: true, types: ['node'], outDir: 'out' },
      files: ['consumer.ts'],
    }
    await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
    const typecheck = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    )
    expect(typecheck).toBe('')

    // A cached dev ptau, so the consumer's snarkjs setup (no addon) makes only the key.
    await ensureDevPtau({ power: 11, keysDir: KEYS_DIR })
    const example = join(consumer, 'node_modules', 'glassbox', 'examples', 'iris')
    const { stdout } = await run(process.execPath, [join('out', 'consumer.js'), example, KEYS_DIR, join(work, 'run')], {
      cwd: consumer,
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 64 << 20,
    })
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
    expect(result).toMatchObject({
      proven: 8,
      failures: 0,
      valid: 8,
      checks: 8,
      backend: 'snarkjs',
      insecure: true,
      curve: 'bn128',
      projective: true,
      notANumber: 'object',
      name: 'InputError',
      code: 'GLASSBOX_INPUT',
      isArtifactError: true,
      missing: { name: 'ArtifactError', code: 'GLASSBOX_ARTIFACT', exitCode: 2 },
    })
    expect(result.constraints).toBeGreaterThan(0)

    // The installed CLI (the bundle in dist/cli-bundle/, finding the package's files from there)
    // runs and verifies what the API made.
    const glassbox = join(consumer, 'node_modules', '.bin', 'glassbox')
    const build = join(work, 'run', 'build')
    const verified = await run(process.execPath, [glassbox, 'verify', build, '--proofs', join(work, 'run', 'proofs.jsonl'), '--json'], { cwd: consumer })
    const offchain = (JSON.parse(verified.stdout) as { offchain: { valid: boolean }[] }).offchain
    expect(offchain.filter((check) => check.valid)).toHaveLength(8)
    const ran = await run(process.execPath, [glassbox, 'run', build, '--inputs', join(example, 'inputs.jsonl'), '--json'], { cwd: consumer })
    expect(JSON.parse(ran.stdout)).toHaveLength(8)
    // And it is the bundle that runs, CLI and pool worker: npm gives installed files no usable mtimes, so nothing may depend on them.
    const installed = join(consumer, 'node_modules', 'glassbox')
    const probe = `const { bundledEntry } = await import(${JSON.stringify(pathToFileURL(join(installed, 'dist', 'bundledEntry.js')).href)}); console.log(JSON.stringify([bundledEntry('main'), bundledEntry('proveWorker')]))`
    const entries = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: consumer })
    expect(JSON.parse(entries.stdout)).toEqual([join(installed, 'dist', 'cli-bundle', 'main.js'), join(installed, 'dist', 'cli-bundle', 'proveWorker.js')])
  }, 600_000)
})
