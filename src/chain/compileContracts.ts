import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'

/** ABI and creation bytecode of one compiled contract. */
export type CompiledContract = {
  /** Solidity JSON ABI, as solc emits it (ethers accepts it directly). */
  abi: readonly Record<string, unknown>[]
  /** Creation bytecode, `0x`-prefixed. */
  bytecode: string
  /** Runtime bytecode (what `eth_getCode` returns once deployed), `0x`-prefixed. */
  deployedBytecode: string
}

export type CompileContractsParameters = {
  /** Source file name → Solidity source. Imports between the given files resolve by these names. */
  sources: Record<string, string>
  /**
   * EVM target. `paris` is the default because its bytecode (no PUSH0/MCOPY) runs on anvil's
   * latest hardfork and on any chain that has not yet adopted Shanghai/Cancun.
   */
  evmVersion?: string
  /** Optimizer runs; the optimizer is always on. */
  optimizerRuns?: number
  /** Optional directory for a disk cache of compiler output, shared across processes. */
  cacheDir?: string
  logger?: Logger
}

/** Contract name → compiled contract. */
export type CompileContractsReturnType = Record<string, CompiledContract>

type SolcMessage = { severity: 'error' | 'warning' | 'info'; formattedMessage?: string; message: string }
type SolcOutput = {
  errors?: SolcMessage[]
  contracts?: Record<string, Record<string, { abi: Record<string, unknown>[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
}

// solc-js compiles in the main thread and takes seconds for a verifier, so identical inputs are
// compiled once per process. Keyed by a hash of everything that affects the output.
const memoryCache = new Map<string, CompileContractsReturnType>()

/**
 * Compiles Solidity sources with the bundled solc-js (standard JSON, optimizer on).
 *
 * Results are cached in memory by a hash of solc version, settings and sources, and on disk too
 * when `cacheDir` is given.
 *
 * @param parameters - {@link CompileContractsParameters}
 * @returns Contract name → `{ abi, bytecode }`.
 * @throws {ChainError} When solc reports errors (all of its messages are listed), or two files
 *   define contracts with the same name.
 *
 * @example
 * ```ts
 * const { GlassboxMarket } = await compileContracts({ sources: { 'GlassboxRegistry.sol': registry, 'GlassboxMarket.sol': market } })
 * ```
 */
export async function compileContracts({
  sources,
  evmVersion = 'paris',
  optimizerRuns = 200,
  cacheDir,
  logger = silentLogger,
}: CompileContractsParameters): Promise<CompileContractsReturnType> {
  if (Object.keys(sources).length === 0) throw new ChainError('No Solidity sources to compile.')
  const { default: solc } = await import('solc')
  const version: string = solc.version()
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      optimizer: { enabled: true, runs: optimizerRuns },
      evmVersion,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const key = createHash('sha256').update(version).update('\0').update(JSON.stringify(input)).digest('hex')

  const cached = memoryCache.get(key)
  if (cached) return cached
  const cacheFile = cacheDir ? join(cacheDir, `solc-${key}.json`) : undefined
  if (cacheFile) {
    const fromDisk = await readCacheFile(cacheFile)
    if (fromDisk) {
      logger.debug(`solc output read from cache ${cacheFile}`)
      memoryCache.set(key, fromDisk)
      return fromDisk
    }
  }

  const started = Date.now()
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput
  logger.debug(`solc ${version} compiled ${Object.keys(sources).join(', ')} in ${Date.now() - started} ms`)

  const messages = output.errors ?? []
  const errors = messages.filter((m) => m.severity === 'error')
  if (errors.length > 0) {
    throw new ChainError(`Solidity compilation failed with ${errors.length} error(s).`, {
      details: errors.map((m) => (m.formattedMessage ?? m.message).trim()).join('\n\n'),
    })
  }
  for (const w of messages.filter((m) => m.severity === 'warning')) {
    logger.debug(`solc: ${(w.formattedMessage ?? w.message).trim()}`)
  }

  const result: CompileContractsReturnType = {}
  for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [name, contract] of Object.entries(contracts)) {
      if (result[name]) {
        throw new ChainError(`Two contracts are named "${name}".`, {
          details: `The second one is in ${file}. Rename one of them; contracts are looked up by name.`,
        })
      }
      result[name] = { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}`, deployedBytecode: `0x${contract.evm.deployedBytecode.object}` }
    }
  }

  memoryCache.set(key, result)
  if (cacheDir && cacheFile) {
    await mkdir(cacheDir, { recursive: true })
    // Write then rename so a concurrent reader never sees half a file.
    const tmp = `${cacheFile}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify(result))
    await rename(tmp, cacheFile)
  }
  return result
}

async function readCacheFile(file: string): Promise<CompileContractsReturnType | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CompileContractsReturnType
  } catch {
    // Missing or unreadable: compile again (the cache is an optimisation, never a source of truth).
    return undefined
  }
}
