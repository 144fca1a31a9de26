/**
 * Compiles contracts/GlassboxRegistry.sol and contracts/GlassboxMarket.sol and writes their
 * exported artifacts: contracts/abi/*.json (for Foundry/Hardhat projects) and
 * src/chain/marketArtifact.ts (for deploying without a compiler).
 *
 *   npm run contracts
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compileMarketContracts } from '../src/chain/compileMarketContracts.js'
import { renderContractArtifacts } from '../src/chain/renderContractArtifacts.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { default: solc } = await import('solc')
const compiled = await compileMarketContracts({})
const { files } = renderContractArtifacts(compiled, solc.version())
for (const [path, content] of Object.entries(files)) {
  await mkdir(dirname(join(ROOT, path)), { recursive: true })
  await writeFile(join(ROOT, path), content)
  console.log(`wrote ${path}`)
}
