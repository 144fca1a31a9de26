import { readFile } from 'node:fs/promises'
import { Interface } from 'ethers'
import { describe, expect, it } from 'vitest'
import { compileContracts } from './compileContracts.js'
import { registryAbi } from './registryAbi.js'

describe('registryAbi', () => {
  it('matches the ABI solc produces for contracts/GlassboxRegistry.sol', async () => {
    const source = await readFile(new URL('../../contracts/GlassboxRegistry.sol', import.meta.url), 'utf8')
    const { GlassboxRegistry } = await compileContracts({ sources: { 'GlassboxRegistry.sol': source } })
    const compiled = new Interface(GlassboxRegistry?.abi as never).format().sort()
    expect(new Interface(registryAbi).format().sort()).toEqual(compiled)
  })
})
