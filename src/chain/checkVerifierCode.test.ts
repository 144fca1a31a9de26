import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGroth16Fixture, type Groth16Fixture } from '../../test/chain/groth16Fixture.js'
import { ChainError } from '../errors.js'
import { checkVerifierCode, stripMetadata, VerifierCodeMismatchError } from './checkVerifierCode.js'
import { connectChain, type ConnectChainReturnType } from './connectChain.js'
import { deployVerifier } from './deployVerifier.js'
import { nameVerifierContract } from './nameVerifierContract.js'

let chain: ConnectChainReturnType
let mine: Groth16Fixture
let other: Groth16Fixture
let address: string

beforeAll(async () => {
  chain = await connectChain({})
  ;[mine, other] = [await buildGroth16Fixture([]), await buildGroth16Fixture([])] // two setups: two keys
  address = (await deployVerifier({ signer: chain.signer, source: nameVerifierContract(mine.verifierSource, 'mine').source })).address
}, 120_000)

afterAll(async () => {
  await chain?.close()
})

describe('checkVerifierCode', () => {
  it("accepts the build's verifier, whatever it was named when deployed (metadata ignored)", async () => {
    const { codehash } = await checkVerifierCode({ provider: chain.provider, verifierAddress: address, source: nameVerifierContract(mine.verifierSource, 'renamed').source })
    expect(codehash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it("refuses another key's verifier, and an address without code", async () => {
    await expect(checkVerifierCode({ provider: chain.provider, verifierAddress: address, source: other.verifierSource })).rejects.toBeInstanceOf(VerifierCodeMismatchError)
    await expect(checkVerifierCode({ provider: chain.provider, verifierAddress: '0x000000000000000000000000000000000000dEaD', source: mine.verifierSource })).rejects.toThrow(ChainError)
  })

  it('strips only a solc CBOR metadata tail', () => {
    // 60016002 = code; a16178 = CBOR {"x"…} of 3 bytes; 0003 = its length.
    expect(stripMetadata('0x60016002a161780003')).toBe('60016002')
    // Not CBOR where the length points: left as is.
    expect(stripMetadata('0x60016002ff61780003')).toBe('60016002ff61780003')
  })
})
