import { Contract, id, solidityPackedKeccak256, type Signer } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGroth16Fixture, INPUT_HASH_INDEX, N_PUBLIC, PROVER_INDEX, type Groth16Fixture } from '../../test/chain/groth16Fixture.js'
import { ChainError } from '../errors.js'
import type { Logger } from '../logger.js'
import { connectChain, type ConnectChainReturnType } from './connectChain.js'
import { deployRegistry } from './deployRegistry.js'
import { deployVerifier } from './deployVerifier.js'
import { registerModel } from './registerModel.js'
import { registryAbi } from './registryAbi.js'
import { submitToRegistry } from './submitToRegistry.js'

const gas: Record<string, bigint> = {}
const logger: Logger = { info: (m) => console.log(`[chain] ${m}`), warn: (m) => console.warn(m), debug: () => {} }
const TIMEOUT = 3_600n
const modelId = id('glassbox test model v1')
const vkeyHash = id('vkey')
const weightCommitment = id('weights')

let chain: ConnectChainReturnType
let fixture: Groth16Fixture
let prover: Signer // account 0: bound into every fixture proof
let other: Signer // account 1: a front-runner
let requester: Signer // account 2: posts bounties
let verifierAddress: string
let registryAddress: string
let registry: Contract

/** Fixture proofs: [0] a=3 (plain submit), [1] a=5 (bounty), [2] a=9 (mismatch, then expiry). */
const proofOf = (i: number) => fixture.proofs[i] as Groth16Fixture['proofs'][number]

beforeAll(async () => {
  chain = await connectChain({ logger })
  prover = chain.signer
  other = await chain.provider.getSigner(1)
  requester = await chain.provider.getSigner(2)
  const p = await prover.getAddress()
  fixture = await buildGroth16Fixture([3n, 5n, 9n].map((a) => ({ a, b: 7n, prover: p })))
  const v = await deployVerifier({ signer: prover, source: fixture.verifierSource, logger })
  const r = await deployRegistry({ signer: prover, requestTimeout: TIMEOUT, logger })
  ;({ address: verifierAddress } = v)
  ;({ address: registryAddress } = r)
  gas['deploy Groth16Verifier'] = v.gasUsed
  gas['deploy GlassboxRegistry'] = r.gasUsed
  registry = new Contract(registryAddress, registryAbi, chain.provider)
}, 60_000)

afterAll(async () => {
  console.log(`[chain] gas from receipts (${N_PUBLIC} public signals):\n${Object.entries(gas).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`)
  await chain?.close()
})

const model = { modelId, nPublic: N_PUBLIC, proverIndex: PROVER_INDEX, inputHashIndex: INPUT_HASH_INDEX, vkeyHash, weightCommitment }

/** Posts a bounty from `requester`; returns its id and the transaction hash. */
async function requestInference(inputHash: bigint, bounty: bigint): Promise<{ requestId: bigint; txHash: string }> {
  const tx = await (registry.connect(requester) as Contract).getFunction('requestInference')(modelId, inputHash, { value: bounty })
  const receipt = await tx.wait()
  const log = receipt.logs.map((l: never) => registry.interface.parseLog(l)).find((e: { name: string } | null) => e?.name === 'InferenceRequested')
  return { requestId: log.args.requestId as bigint, txHash: receipt.hash as string }
}

/**
 * Balance change of `account` across the block of transaction `txHash` (anvil mines one
 * transaction per block), and the fee it paid if it sent it. Reading at block tags, not
 * "latest", keeps provider-side caching out of the measurement.
 */
async function balanceDelta(account: Signer, txHash: string): Promise<{ delta: bigint; fee: bigint }> {
  const address = await account.getAddress()
  const receipt = await chain.provider.getTransactionReceipt(txHash)
  if (!receipt) throw new Error(`no receipt for ${txHash}`)
  const before = await chain.provider.getBalance(address, receipt.blockNumber - 1)
  const after = await chain.provider.getBalance(address, receipt.blockNumber)
  const fee = receipt.from === address ? receipt.gasUsed * receipt.gasPrice : 0n
  return { delta: after - before, fee }
}

describe('GlassboxRegistry via registerModel / submitToRegistry', () => {
  it('registers a model once; the registrant owns it', async () => {
    const { gasUsed } = await registerModel({ signer: prover, registryAddress, verifierAddress, ...model, logger })
    gas['register'] = gasUsed
    const entry = await registry.getFunction('models')(modelId)
    expect(entry.owner).toBe(await prover.getAddress())
    expect([entry.verifier, entry.nPublic, entry.proverIndex, entry.inputHashIndex]).toEqual([verifierAddress, 3n, 2n, 1n])

    const again = registerModel({ signer: other, registryAddress, verifierAddress, ...model })
    await expect(again).rejects.toThrow(/ModelAlreadyRegistered/)
    const eoa = registerModel({ signer: prover, registryAddress, ...model, modelId: id('x'), verifierAddress: await other.getAddress() })
    await expect(eoa).rejects.toThrow(/VerifierNotAContract/)
    const layout = registerModel({ signer: prover, registryAddress, verifierAddress, ...model, modelId: id('y'), proverIndex: 3 })
    await expect(layout).rejects.toThrow(/InvalidLayout/)
  })

  it('records a verified inference from the bound prover, with gas from the receipt', async () => {
    const { proof, publicSignals } = proofOf(0)
    const result = await submitToRegistry({ signer: prover, registryAddress, modelId, proof, publicSignals, logger })
    gas['submit'] = result.gasUsed
    expect(result.gasUsed).toBeGreaterThan(150_000n) // the pairing alone costs ~180k: it really ran
    expect(result.key).toBe(solidityPackedKeccak256(['bytes32', 'uint256[]'], [modelId, publicSignals]))
    expect(await registry.getFunction('inferenceProver')(result.key)).toBe(await prover.getAddress())
  })

  it('refuses a replay of the same submission, in simulation and on chain', async () => {
    const { proof, publicSignals } = proofOf(0)
    const replay = submitToRegistry({ signer: prover, registryAddress, modelId, proof, publicSignals })
    await expect(replay).rejects.toThrow(/InferenceAlreadyRecorded/)
    const mined = submitToRegistry({ signer: prover, registryAddress, modelId, proof, publicSignals, simulate: false })
    await expect(mined).rejects.toThrow(/transaction 0x[0-9a-f]{64} reverted/)
  })

  it('refuses the proof from any other sender (front-running protection)', async () => {
    const { proof, publicSignals } = proofOf(1)
    const stolen = submitToRegistry({ signer: other, registryAddress, modelId, proof, publicSignals })
    await expect(stolen).rejects.toThrow(ChainError)
    await expect(stolen).rejects.toThrow(/ProverMismatch/)
  })

  it('refuses a tampered public signal, and a verifier starved of gas does not count as a pass', async () => {
    const { proof, publicSignals } = proofOf(1)
    const claimed = [(BigInt(publicSignals[0] as string) + 1n).toString(), ...publicSignals.slice(1)]
    await expect(submitToRegistry({ signer: prover, registryAddress, modelId, proof, publicSignals: claimed })).rejects.toThrow(/InvalidProof/)
    // Enough gas to reach the verifier but not for its pairing: the verifier returns false, and
    // the registry must revert rather than record.
    const starved = submitToRegistry({ signer: prover, registryAddress, modelId, proof, publicSignals, gasLimit: 120_000n })
    await expect(starved).rejects.toThrow(/InvalidProof/)
    const key = solidityPackedKeccak256(['bytes32', 'uint256[]'], [modelId, publicSignals])
    expect(await registry.getFunction('inferenceProver')(key)).toBe('0x0000000000000000000000000000000000000000')
  })

  it('pays the bounty of a matching request to the prover, once', async () => {
    const bounty = 10n ** 18n
    const { proof, publicSignals } = proofOf(1)
    const { requestId, txHash: requestTx } = await requestInference(5n, bounty)
    const paid = await balanceDelta(requester, requestTx)
    expect(paid.delta).toBe(-bounty - paid.fee)

    const result = await submitToRegistry({ signer: prover, registryAddress, requestId, proof, publicSignals, logger })
    expect(result.bounty).toBe(bounty)
    gas['submitForRequest (incl. payout)'] = result.gasUsed
    const { delta, fee } = await balanceDelta(prover, result.txHash)
    expect(fee).toBeGreaterThan(0n)
    expect(delta).toBe(bounty - fee)
    expect((await registry.getFunction('requests')(requestId)).status).toBe(2n) // Fulfilled

    const twice = submitToRegistry({ signer: prover, registryAddress, requestId, proof, publicSignals })
    await expect(twice).rejects.toThrow(/RequestNotOpen/)

    // An inference already recorded (a = 3, submitted above) still answers a new request for it:
    // the answer is deterministic, so a second requester must be servable too.
    const { requestId: again } = await requestInference(3n, bounty)
    const recorded = proofOf(0)
    const served = await submitToRegistry({ signer: prover, registryAddress, requestId: again, ...recorded })
    expect(served.bounty).toBe(bounty)
  })

  it('refuses an answer for another input, refuses late answers, and refunds after the deadline', async () => {
    const bounty = 5n * 10n ** 17n
    const { requestId } = await requestInference(5n, bounty)
    const { proof, publicSignals } = proofOf(2) // a = 9, not 5
    const mismatch = submitToRegistry({ signer: prover, registryAddress, requestId, proof, publicSignals })
    await expect(mismatch).rejects.toThrow(/InputHashMismatch/)

    const cancel = (signer: Signer) => (registry.connect(signer) as Contract).getFunction('cancelRequest')(requestId, { gasLimit: 100_000n })
    const early = (registry.connect(requester) as Contract).getFunction('cancelRequest').staticCall(requestId)
    await expect(early).rejects.toThrow(/RequestNotExpired/)

    await chain.provider.send('evm_increaseTime', [Number(TIMEOUT) + 1])
    await chain.provider.send('evm_mine', [])
    const late = submitToRegistry({ signer: prover, registryAddress, requestId, proof: proofOf(1).proof, publicSignals: proofOf(1).publicSignals })
    await expect(late).rejects.toThrow(/RequestExpired/)
    await expect((registry.connect(other) as Contract).getFunction('cancelRequest').staticCall(requestId)).rejects.toThrow(/NotRequester/)

    const cancelled = await (await cancel(requester)).wait()
    gas['cancelRequest (incl. refund)'] = cancelled.gasUsed as bigint
    const { delta, fee } = await balanceDelta(requester, cancelled.hash as string)
    expect(delta).toBe(bounty - fee)
    expect((await registry.getFunction('requests')(requestId)).status).toBe(3n) // Cancelled
  })
})
