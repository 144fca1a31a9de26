import { readFile } from 'node:fs/promises'
import { Interface } from 'ethers'
import { describe, expect, it } from 'vitest'
import { buildGroth16Fixture } from '../../test/chain/groth16Fixture.js'
import { compileContracts } from './compileContracts.js'
import { compileMarketContracts } from './compileMarketContracts.js'
import { nameVerifierContract, verifierAbi, verifierContractName } from './nameVerifierContract.js'
import { renderContractArtifacts } from './renderContractArtifacts.js'

const root = new URL('../../', import.meta.url)

describe('exported contract artifacts', () => {
  it('contracts/abi/*.json and src/chain/marketArtifact.ts are what the sources compile to (run `npm run contracts`)', async () => {
    const { default: solc } = await import('solc')
    const { files } = renderContractArtifacts(await compileMarketContracts({}), solc.version())
    for (const [path, content] of Object.entries(files)) {
      expect(await readFile(new URL(path, root), 'utf8'), `${path} is stale: run npm run contracts`).toBe(content)
    }
  })

  it('names each verifier after its model, and its ABI JSON is what solc emits', async () => {
    expect(['iris', 'lenet-5', '5layer', 'my model v2'].map(verifierContractName)).toEqual(['IrisVerifier', 'Lenet5Verifier', 'Model5layerVerifier', 'MyModelV2Verifier'])
    const fixture = await buildGroth16Fixture([])
    const { source, contractName } = nameVerifierContract(fixture.verifierSource, 'iris')
    const compiled = await compileContracts({ sources: { 'Verifier.sol': source } })
    expect(Object.keys(compiled)).toEqual(['IrisVerifier'])
    expect(new Interface(compiled[contractName]!.abi as never).format()).toEqual(new Interface(verifierAbi(3) as never).format())
    expect(() => nameVerifierContract('contract Other {}', 'iris')).toThrow(/Groth16Verifier/)
  })
})
