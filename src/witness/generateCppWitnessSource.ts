import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCircom } from '../compile/runCircom.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { sha256Tree } from '../artifacts/sha256Tree.js'

export type GenerateCppWitnessSourceParameters = {
  /** circom source of the main component (glassbox's templates and circomlib's Poseidon are on the include path). */
  source: string
  /** Folder to write the C++ into (replaced if it exists). */
  cppDir: string
  /** circom simplification level; must be the level the r1cs was compiled at, or the witness will not fit it. */
  optimization?: 0 | 1 | 2
  logger?: Logger
}

export type GenerateCppWitnessSourceReturnType = { cppDir: string; sourceSha256: string }

/**
 * Writes circom's C++ witness generator (`circom --c`: circuit.cpp,
 * circuit.dat, main.cpp, calcwit.*, fr.*, Makefile) for a circuit, through
 * the same circom2 run as compilation. `compileModel` does this in its own
 * circom run; this is for a circuit compiled without it.
 *
 * @returns the folder and its {@link sha256Tree} hash.
 * @throws {CompileError} when circom fails.
 *
 * @example
 * const { sourceSha256 } = await generateCppWitnessSource({ source: await readFile('build/iris/circuit.circom', 'utf8'), cppDir: 'build/iris/circuit_cpp' })
 */
export async function generateCppWitnessSource({
  source,
  cppDir,
  optimization = 2,
  logger = silentLogger,
}: GenerateCppWitnessSourceParameters): Promise<GenerateCppWitnessSourceReturnType> {
  // runCircom always writes r1cs/wasm/sym; here they are by-products.
  const scratch = await mkdtemp(join(tmpdir(), 'glassbox-cpp-'))
  try {
    await runCircom({ source, outDir: scratch, optimization, cppDir, logger })
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return { cppDir, sourceSha256: await sha256Tree(cppDir) }
}
