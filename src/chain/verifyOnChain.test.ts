import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGroth16Fixture, type Groth16Fixture } from '../../test/chain/groth16Fixture.js'
import { ChainError } from '../errors.js'
import type { Logger } from '../logger.js'
import { connectChain, type ConnectChainReturnType } from './connectChain.js'
import { deployVerifier } from './deployVerifier.js'
import { proofToCalldata } from './proofToCalldata.js'
import { verifyOnChain } from './verifyOnChain.js'

const logger: Logger = { info: (m) => console.log(`[chain] ${m}`), warn: (m) => console.warn(m), debug: () => {} }

let chain: ConnectChainReturnType
let fixture: Groth16Fixture
let verifierAddress: string

beforeAll(async () => {
  chain = await connectChain({ logger })
  const prover = await chain.signer.getAddress()
  fixture = await buildGroth16Fixture([{ a: 3n, b: 11n, prover }])
  logger.info(`fixture built in ms: ${JSON.stringify(fixture.timings)}`)
  ;({ address: verifierAddress } = await deployVerifier({ signer: chain.signer, source: fixture.verifierSource, logger }))
}, 240_000)

afterAll(async () => {
  await chain?.close()
})

const valid = () => fixture.proofs[0] as Groth16Fixture['proofs'][number]

describe('verifyOnChain', () => {
  it('accepts a valid proof (which snarkjs also accepts off-chain)', async () => {
    const { proof, publicSignals, verifiesOffChain } = valid()
    expect(verifiesOffChain).toBe(true)
    expect(publicSignals.slice(0, 2)).toEqual(['33', '3'])
    expect(await verifyOnChain({ provider: chain.provider, verifierAddress, proof, publicSignals })).toBe(true)
  })

  it('encodes a real proof exactly as snarkjs exportSolidityCallData', () => {
    const { proof, publicSignals, solidityCallData } = valid()
    const { a, b, c, publicSignals: signals } = proofToCalldata(proof, publicSignals)
    const asBig = (x: unknown): unknown => (Array.isArray(x) ? x.map(asBig) : BigInt(x as string))
    expect([a, b, c, signals]).toEqual(asBig(JSON.parse(`[${solidityCallData}]`)))
  })

  it('rejects a tampered proof', async () => {
    const { proof, publicSignals } = valid()
    const offCurve = { ...proof, pi_a: [(BigInt(proof.pi_a[0] as string) + 1n).toString(), proof.pi_a[1] as string, '1'] }
    // A valid curve point, but the wrong one: only the pairing check can tell.
    const wrongPoint = { ...proof, pi_c: proof.pi_a }
    for (const tampered of [offCurve, wrongPoint]) {
      expect(await verifyOnChain({ provider: chain.provider, verifierAddress, proof: tampered, publicSignals })).toBe(false)
    }
  })

  it('rejects a tampered public signal', async () => {
    const { proof, publicSignals } = valid()
    const claimed = ['34', ...publicSignals.slice(1)] // 3 * 11 is not 34
    expect(await verifyOnChain({ provider: chain.provider, verifierAddress, proof, publicSignals: claimed })).toBe(false)
  })

  it('shows why the gas limit is explicit: starved of gas, a valid proof reads false', async () => {
    const { proof, publicSignals } = valid()
    const starved = await verifyOnChain({ provider: chain.provider, verifierAddress, proof, publicSignals, gasLimit: 60_000n })
    expect(starved).toBe(false)
  })

  it('returns false for the wrong number of signals (no such verifyProof)', async () => {
    const { proof, publicSignals } = valid()
    expect(await verifyOnChain({ provider: chain.provider, verifierAddress, proof, publicSignals: [...publicSignals, '1'] })).toBe(false)
  })

  it('throws ChainError when no contract is at the address', async () => {
    const { proof, publicSignals } = valid()
    const nowhere = '0x000000000000000000000000000000000000dEaD'
    await expect(verifyOnChain({ provider: chain.provider, verifierAddress: nowhere, proof, publicSignals })).rejects.toThrow(ChainError)
  })
})
