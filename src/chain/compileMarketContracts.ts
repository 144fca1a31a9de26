import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packagePath } from '../packageRoot.js'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileContracts, type CompiledContract } from './compileContracts.js'

/** `contracts/` at the package root. */
export const CONTRACTS_DIR = packagePath('contracts')

/** The Solidity files of glassbox's own contracts, by the names their imports use. */
export const MARKET_SOURCE_FILES = ['GlassboxRegistry.sol', 'GlassboxMarket.sol'] as const

export type CompileMarketContractsParameters = {
  /** Disk cache for solc's output (default: `glassbox-solc` in the OS temp folder). */
  cacheDir?: string
  logger?: Logger
}

export type CompileMarketContractsReturnType = {
  GlassboxRegistry: CompiledContract
  GlassboxMarket: CompiledContract
  /** File name → source, as compiled. */
  sources: Record<string, string>
}

/**
 * Compiles `contracts/GlassboxRegistry.sol` and `contracts/GlassboxMarket.sol` with the bundled
 * solc-js. Used by the artifact export script and its up-to-date test; deployments use the
 * exported artifact (`marketArtifact.ts`) and need no compiler.
 *
 * @throws {ChainError} When a source is missing or does not compile.
 */
export async function compileMarketContracts({
  cacheDir = join(tmpdir(), 'glassbox-solc'),
  logger = silentLogger,
}: CompileMarketContractsParameters = {}): Promise<CompileMarketContractsReturnType> {
  const sources: Record<string, string> = {}
  for (const file of MARKET_SOURCE_FILES) {
    try {
      sources[file] = await readFile(join(CONTRACTS_DIR, file), 'utf8')
    } catch (cause) {
      throw new ChainError(`Cannot read ${join(CONTRACTS_DIR, file)}.`, { details: 'The glassbox package is incomplete; reinstall it.', cause })
    }
  }
  const compiled = await compileContracts({ sources, cacheDir, logger })
  const registry = compiled.GlassboxRegistry
  const market = compiled.GlassboxMarket
  if (!registry || !market) throw new ChainError('contracts/ does not define GlassboxRegistry and GlassboxMarket.')
  return { GlassboxRegistry: registry, GlassboxMarket: market, sources }
}
