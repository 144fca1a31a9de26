import { readdirSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ChainError } from '../errors.js'
import { compileContracts } from './compileContracts.js'

const registrySource = () => readFile(new URL('../../contracts/GlassboxRegistry.sol', import.meta.url), 'utf8')

describe('compileContracts', () => {
  it('compiles the registry to an ABI and bytecode, and caches by source hash', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'glassbox-solc-'))
    const sources = { 'GlassboxRegistry.sol': await registrySource() }
    const first = await compileContracts({ sources, cacheDir })
    const registry = first.GlassboxRegistry
    expect(registry?.bytecode).toMatch(/^0x[0-9a-f]{1000,}$/)
    expect(registry?.abi.some((f) => f.type === 'function' && f.name === 'verify')).toBe(true)

    const started = Date.now()
    expect(await compileContracts({ sources, cacheDir })).toBe(first) // same object: memory cache
    expect(Date.now() - started).toBeLessThan(100)
    const files = readdirSync(cacheDir)
    expect(files).toHaveLength(1)
    expect(JSON.parse(await readFile(join(cacheDir, files[0] as string), 'utf8'))).toEqual(first)
  })

  it('turns compiler errors into a ChainError listing solc messages', async () => {
    const error = await compileContracts({
      sources: { 'Broken.sol': 'pragma solidity ^0.8.20;\ncontract Broken { function f() public { undefinedThing(); } }\n' },
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainError)
    expect((error as ChainError).shortMessage).toMatch(/compilation failed with 1 error/)
    expect((error as ChainError).details).toMatch(/Broken\.sol:2.*\n?.*undefinedThing|Undeclared identifier/s)
  })

  it('refuses an empty source set', async () => {
    await expect(compileContracts({ sources: {} })).rejects.toBeInstanceOf(ChainError)
  })
})
