/**
 * GlassboxMarket on anvil through ethers, against the attacks in issue 9: each refusal is checked
 * by the contract's custom error name, and every payment to the wei.
 */
import { readFile } from 'node:fs/promises'
import { Contract, ContractFactory, getCreateAddress, Interface, keccak256, type Signer } from 'ethers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGroth16Fixture, type FixtureProof, type Groth16Fixture } from '../../test/chain/groth16Fixture.js'
import type { Logger } from '../logger.js'
import { compileContracts, type CompileContractsReturnType } from './compileContracts.js'
import { computeModelId } from './computeModelId.js'
import { connectChain, type ConnectChainReturnType } from './connectChain.js'
import { connectMarket, type MarketContract } from './connectMarket.js'
import { deployMarket } from './deployMarket.js'
import { deployVerifier } from './deployVerifier.js'
import type { ProofWords, RequestOffer, RequestTerms } from './marketTypes.js'
import { nameVerifierContract } from './nameVerifierContract.js'
import { proofWords } from './proofWords.js'
import type { MarketRefusalError } from './sendMarketTransaction.js'

const logger: Logger = { info: () => {}, warn: (m) => console.warn(m), debug: () => {} }
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const CONSTANT_ROLES = '0x000204' // [c: output, a: inputHash, prover]
const COMMITTED_ROLES = '0x00020504' // [c: output, a: inputHash, w: weightsCommitment, prover]
const W1 = 1234n
const W2 = 5678n

let chain: ConnectChainReturnType
let owner: Signer // model owner, deployer
let requester: Signer
let proverA: Signer
let proverB: Signer
let attacker: Signer
let reentrantOperator: Signer
let market: MarketContract
let hostile: CompileContractsReturnType
let constant: Groth16Fixture
let committed: Groth16Fixture
let constantId: string
let committedId: string
let constantVerifier: string
let reentrantAddress: string
const gas: Record<string, bigint> = {}

/** constant.proofs: [0] a=5 A, [1] a=6 B, [2] a=7 A, [3] a=8 reentrant contract, [4] a=9 A, [5] a=10 A. */
const p = (f: Groth16Fixture, i: number) => f.proofs[i] as FixtureProof
const words = (f: FixtureProof) => proofWords(f.proof, f.publicSignals)
const asMarket = (signer: Signer) => connectMarket({ address: market.address, signer, txTimeoutMs: 30_000, logger })
const refusal = (name: string) => expect.objectContaining({ name: 'MarketRefusalError', errorName: name }) as unknown as MarketRefusalError

const offer = (modelId: string, inputHash: bigint, extra: Partial<RequestOffer> = {}): RequestOffer => ({
  modelId,
  weightSet: 0n,
  inputHash,
  minPrice: 10n ** 15n,
  collateral: 5n * 10n ** 14n,
  rampSeconds: 100n,
  lockWindow: 600n,
  fulfilWindow: 1200n,
  ...extra,
})
const MAX_PRICE = 2n * 10n ** 15n
const INPUT = `0x${'00'.repeat(31)}05`

async function timeTravel(seconds: bigint): Promise<void> {
  await chain.provider.send('evm_increaseTime', [Number(seconds)])
  await chain.provider.send('evm_mine', [])
}

async function blockTime(blockNumber: number): Promise<bigint> {
  return BigInt((await chain.provider.getBlock(blockNumber))!.timestamp)
}

function expectedPrice(t: RequestTerms, at: bigint): bigint {
  const elapsed = at - t.createdAt
  if (elapsed >= t.rampSeconds) return t.maxPrice
  return t.minPrice + ((t.maxPrice - t.minPrice) * elapsed) / t.rampSeconds
}

/** ETH balance change of `account` over the block of `txHash`, plus the fee if it sent it. */
async function ethDelta(account: Signer, txHash: string): Promise<{ delta: bigint; fee: bigint }> {
  const address = await account.getAddress()
  const receipt = (await chain.provider.getTransactionReceipt(txHash))!
  const before = await chain.provider.getBalance(address, receipt.blockNumber - 1)
  const after = await chain.provider.getBalance(address, receipt.blockNumber)
  return { delta: after - before, fee: receipt.from === address ? receipt.gasUsed * receipt.gasPrice : 0n }
}

async function deployHostile(name: string, signer: Signer, args: unknown[] = []): Promise<string> {
  const c = hostile[name]!
  const deployed = await new ContractFactory(c.abi as never, c.bytecode, signer).deploy(...args)
  await deployed.waitForDeployment()
  return deployed.getAddress()
}

beforeAll(async () => {
  chain = await connectChain({ logger })
  const signers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => chain.provider.getSigner(i)))
  ;[owner, requester, proverA, proverB, attacker, reentrantOperator] = signers as unknown as [Signer, Signer, Signer, Signer, Signer, Signer]
  const a = await proverA.getAddress()
  const b = await proverB.getAddress()
  // The re-entrant prover is the first contract account 5 deploys: its address is known now,
  // so proofs can bind it before it exists.
  reentrantAddress = getCreateAddress({ from: await reentrantOperator.getAddress(), nonce: await chain.provider.getTransactionCount(await reentrantOperator.getAddress()) })
  constant = await buildGroth16Fixture([
    { a: 5n, b: 3n, prover: a },
    { a: 6n, b: 3n, prover: b },
    { a: 7n, b: 3n, prover: a },
    { a: 8n, b: 3n, prover: reentrantAddress },
    { a: 9n, b: 3n, prover: a },
    { a: 10n, b: 3n, prover: a },
  ])
  committed = await buildGroth16Fixture(
    [
      { a: 5n, b: 3n, w: W1, prover: a },
      { a: 5n, b: 3n, w: W2, prover: a },
    ],
    { variant: 'committed' },
  )
  hostile = await compileContracts({ sources: { 'HostileContracts.sol': await readFile(new URL('../../test/chain/HostileContracts.sol', import.meta.url), 'utf8') } })
  const deployed = await deployMarket({ signer: owner, logger })
  gas['deploy GlassboxMarket'] = deployed.gasUsed
  market = connectMarket({ address: deployed.address, signer: owner, txTimeoutMs: 30_000, logger })
  const v1 = await deployVerifier({ signer: owner, source: nameVerifierContract(constant.verifierSource, 'fixture').source, logger })
  const v2 = await deployVerifier({ signer: owner, source: nameVerifierContract(committed.verifierSource, 'fixture committed').source, logger })
  expect([v1.contractName, v2.contractName]).toEqual(['FixtureVerifier', 'FixtureCommittedVerifier'])
  constantVerifier = v1.address
  const r1 = await market.register(v1.address, CONSTANT_ROLES, true, keccak256('0x01'))
  gas['register'] = r1.gasUsed
  constantId = r1.modelId
  committedId = (await market.register(v2.address, COMMITTED_ROLES, false, `0x${'00'.repeat(32)}`)).modelId
  await market.registerWeightSet(committedId, W1)
  for (const prover of [proverA, proverB]) await asMarket(prover).deposit(10n ** 15n)
}, 300_000)

afterAll(async () => {
  console.log(`[market] gas from receipts:\n${Object.entries(gas).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`)
  await chain?.close()
})

describe('registry: model ids cannot be squatted', () => {
  it('derives the id from owner, code hash and roles; records dev flag and transcript', async () => {
    const codehash = keccak256(await chain.provider.getCode(constantVerifier))
    expect(constantId).toBe(computeModelId(await owner.getAddress(), codehash, CONSTANT_ROLES))
    expect(await market.modelIdOf(await owner.getAddress(), codehash, CONSTANT_ROLES)).toBe(constantId)
    const entry = await market.models(constantId)
    expect(entry).toMatchObject({ owner: await owner.getAddress(), verifier: constantVerifier, codehash, nPublic: 3, proverIndex: 2, inputHashIndex: 1, dev: true, deprecated: false, transcriptHash: keccak256('0x01') })
    expect((await market.models(committedId)).weightsIndex).toBe(2)
  })

  it('a front-runner registering the same or a fake verifier gets its own id, and owns nothing of the honest one', async () => {
    const squatter = asMarket(attacker)
    const same = await squatter.register(constantVerifier, CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)
    expect(same.modelId).not.toBe(constantId)
    const fake = await squatter.register(await deployHostile('AcceptAll', attacker), CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)
    expect(fake.modelId).not.toBe(constantId)
    await expect(squatter.setArtifacts(constantId, { uri: 'ipfs://evil', manifestSha256: keccak256('0x02'), zkeySha256: keccak256('0x03'), wasmSha256: keccak256('0x04') })).rejects.toEqual(refusal('NotModelOwner'))
    await expect(squatter.deprecate(constantId)).rejects.toEqual(refusal('NotModelOwner'))
    await expect(squatter.registerWeightSet(committedId, W2)).rejects.toEqual(refusal('NotModelOwner'))
    await expect(market.register(constantVerifier, CONSTANT_ROLES, true, keccak256('0x01'))).rejects.toEqual(refusal('ModelAlreadyRegistered'))
    // The owner's metadata.
    await market.setArtifacts(constantId, { uri: 'https://example.com/iris/', manifestSha256: keccak256('0x02'), zkeySha256: keccak256('0x03'), wasmSha256: keccak256('0x04') })
    expect((await market.artifacts(constantId)).uri).toBe('https://example.com/iris/')
  })

  it('refuses EOAs, delegated accounts and malformed roles; a verifier whose code changed stops verifying', async () => {
    await expect(market.register(await attacker.getAddress(), CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)).rejects.toEqual(refusal('VerifierNotAContract'))
    const delegated = '0x00000000000000000000000000000000000d1e9a'
    await chain.provider.send('anvil_setCode', [delegated, `0xef0100${constantVerifier.slice(2)}`])
    await expect(market.register(delegated, CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)).rejects.toEqual(refusal('VerifierIsDelegated'))
    for (const roles of ['0x0002', '0x00020404', '0x000206', '0x']) {
      await expect(market.register(constantVerifier, roles, false, `0x${'00'.repeat(32)}`)).rejects.toEqual(refusal('InvalidLayout'))
    }
    // A metamorphic verifier: same address, other code, after registration.
    const v = await deployVerifier({ signer: attacker, source: nameVerifierContract(constant.verifierSource, 'morph').source, logger })
    const morphId = (await asMarket(attacker).register(v.address, CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)).modelId
    await chain.provider.send('anvil_setCode', [v.address, await chain.provider.getCode(await deployHostile('AcceptAll', attacker))])
    const stolen = words(p(constant, 4))
    await expect(asMarket(attacker).verify(morphId, stolen.proof, stolen.publicSignals)).rejects.toEqual(refusal('ProverMismatch'))
    const forged = [...stolen.publicSignals.slice(0, 2), BigInt(await attacker.getAddress())]
    await expect(asMarket(attacker).verify(morphId, stolen.proof, forged)).rejects.toEqual(refusal('VerifierCodeChanged'))
  })

  it('caps a hostile verifier: it burns at most the cap, and the call fails with a named error', async () => {
    const burnerId = (await asMarket(attacker).register(await deployHostile('GasBurner', attacker), CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)).modelId
    const signals = [1n, 2n, BigInt(await attacker.getAddress())]
    const proof = words(p(constant, 0)).proof
    await expect(asMarket(attacker).verify(burnerId, proof, signals)).rejects.toEqual(refusal('VerifierCallFailed'))
    // Mined with a generous limit: the burner gets the cap, not the transaction's 5M.
    const mined = asMarket(attacker).verify(burnerId, proof, signals, { gasLimit: 5_000_000n, simulate: false })
    await expect(mined).rejects.toThrow(/reverted/)
    const block = await chain.provider.getBlock('latest', true)
    const receipt = (await chain.provider.getTransactionReceipt(block!.prefetchedTransactions[0]!.hash))!
    const cap = await market.verifyGasLimit(3)
    gas['hostile verifier (capped, reverted)'] = receipt.gasUsed
    expect(receipt.gasUsed).toBeLessThan(cap + 60_000n)
    expect(receipt.gasUsed).toBeGreaterThan(cap)
  })

  it('a verifier answering with a huge blob (return bomb) is refused without the caller copying it', async () => {
    const bombId = (await asMarket(attacker).register(await deployHostile('ReturnBomb', attacker), CONSTANT_ROLES, false, `0x${'00'.repeat(32)}`)).modelId
    const signals = [1n, 2n, BigInt(await attacker.getAddress())]
    await expect(asMarket(attacker).verify(bombId, words(p(constant, 0)).proof, signals)).rejects.toEqual(refusal('InvalidProof'))
  })
})

describe('registry: verifying statements', () => {
  it('verifies once, then refuses the replay by name; tampered proof and signal refused', async () => {
    const { proof, publicSignals } = words(p(constant, 2))
    const tamperedProof = [proof[0], proof[1], proof[2], proof[3], proof[4], proof[5], proof[0], proof[1]] as unknown as ProofWords
    await expect(asMarket(proverA).verify(constantId, tamperedProof, publicSignals)).rejects.toEqual(refusal('InvalidProof'))
    await expect(asMarket(proverA).verify(constantId, proof, [publicSignals[0]! + 1n, ...publicSignals.slice(1)])).rejects.toEqual(refusal('InvalidProof'))
    await expect(asMarket(proverA).verify(constantId, proof, [publicSignals[0]! + R, ...publicSignals.slice(1)])).rejects.toEqual(refusal('InvalidProof'))
    await expect(asMarket(attacker).verify(constantId, proof, publicSignals)).rejects.toEqual(refusal('ProverMismatch'))
    const ok = await asMarket(proverA).verify(constantId, proof, publicSignals)
    gas['verify (record a statement)'] = ok.gasUsed
    expect(ok.statement).toBe(await market.statementOf(constantId, publicSignals))
    expect(await market.verifiedBy(ok.statement)).toBe(await proverA.getAddress())
    await expect(asMarket(proverA).verify(constantId, proof, publicSignals)).rejects.toEqual(refusal('StatementAlreadyVerified'))
  })

  it('refuses a proof whose weight commitment is not a registered weight set', async () => {
    const good = words(p(committed, 0))
    const other = words(p(committed, 1))
    await expect(asMarket(proverA).verify(committedId, other.proof, other.publicSignals)).rejects.toEqual(refusal('UnknownWeightSet'))
    expect((await asMarket(proverA).verify(committedId, good.proof, good.publicSignals)).statement).toMatch(/^0x/)
  })
})

describe('market', () => {
  it('request → lock → prove → fulfil → paid, to the wei', async () => {
    const req = await asMarket(requester).request(offer(constantId, 5n), INPUT, MAX_PRICE)
    gas['request (32-byte input)'] = req.gasUsed
    const paid = await ethDelta(requester, req.txHash)
    expect(paid.delta).toBe(-MAX_PRICE - paid.fee)
    expect(req.terms).toMatchObject({ requester: await requester.getAddress(), inputHash: 5n, maxPrice: MAX_PRICE, createdAt: await blockTime(req.blockNumber) })

    await timeTravel(30n)
    const before = await market.balanceOf(await requester.getAddress())
    const locked = await asMarket(proverA).lock(req.requestId, req.terms)
    gas['lock'] = locked.gasUsed
    const price = expectedPrice(req.terms, await blockTime(locked.blockNumber))
    expect(price).toBeGreaterThan(req.terms.minPrice)
    expect(locked.price).toBe(price)
    expect(await market.balanceOf(await requester.getAddress())).toBe(before + MAX_PRICE - price)
    expect(await market.stakeOf(await proverA.getAddress())).toEqual({ free: 10n ** 15n - req.terms.collateral, locked: req.terms.collateral })
    await expect(asMarket(requester).cancel(req.requestId, req.terms)).rejects.toEqual(refusal('RequestNotOpen'))
    await expect(asMarket(proverB).lock(req.requestId, req.terms)).rejects.toEqual(refusal('RequestNotOpen'))

    const { proof, publicSignals } = words(p(constant, 0))
    const outputs = [publicSignals[0]!]
    await expect(asMarket(proverB).fulfil(req.requestId, req.terms, proof, outputs)).rejects.toEqual(refusal('NotLocker'))
    await expect(asMarket(proverA).fulfil(req.requestId, { ...req.terms, inputHash: 6n }, proof, outputs)).rejects.toEqual(refusal('TermsMismatch'))
    await expect(asMarket(proverA).fulfil(req.requestId, req.terms, proof, [outputs[0]! + 1n])).rejects.toEqual(refusal('InvalidProof'))
    await expect(asMarket(proverA).fulfil(req.requestId, req.terms, proof, [])).rejects.toEqual(refusal('WrongSignalCount'))
    const done = await asMarket(proverA).fulfil(req.requestId, req.terms, proof, outputs)
    gas['fulfil (verify + pay)'] = done.gasUsed
    expect(done).toMatchObject({ payout: price, late: false })
    // Paid into A's free stake, with its collateral back.
    expect(await market.stakeOf(await proverA.getAddress())).toEqual({ free: 10n ** 15n + price, locked: 0n })
    expect((await market.requests(req.requestId)).status).toBe('Fulfilled')
    await expect(asMarket(proverA).fulfil(req.requestId, req.terms, proof, outputs)).rejects.toEqual(refusal('RequestNotLocked'))

    const w = await asMarket(proverA).withdrawStake(price, await proverA.getAddress())
    gas['withdrawStake'] = w.gasUsed
    const got = await ethDelta(proverA, w.txHash)
    expect(got.delta).toBe(price - got.fee)
    expect((await market.stakeOf(await proverA.getAddress())).free).toBe(10n ** 15n)
    await expect(asMarket(proverA).withdrawStake(10n ** 15n + 1n, await proverA.getAddress())).rejects.toEqual(refusal('InsufficientStake'))
    await expect(asMarket(proverA).withdraw(await proverA.getAddress())).rejects.toEqual(refusal('NothingToWithdraw'))
    const refund = await asMarket(requester).withdraw(await requester.getAddress())
    gas['withdraw'] = refund.gasUsed
    expect(refund.amount).toBe(MAX_PRICE - price)
  })

  it('the same statement for a new request takes the cheap path (no second verification)', async () => {
    const req = await asMarket(requester).request(offer(constantId, 5n, { rampSeconds: 0n }), INPUT, MAX_PRICE)
    await asMarket(proverA).lock(req.requestId, req.terms)
    const { publicSignals } = words(p(constant, 0))
    const junk = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n] as const
    const cached = await asMarket(proverA).fulfil(req.requestId, req.terms, junk, [publicSignals[0]!])
    gas['fulfil (statement already verified)'] = cached.gasUsed
    expect(cached.payout).toBe(MAX_PRICE)
    expect(cached.gasUsed).toBeLessThan(120_000n)
  })

  it('lock, no show, slash: another prover fulfils late and gets the price plus half the collateral', async () => {
    const req = await asMarket(requester).request(offer(constantId, 6n), INPUT, MAX_PRICE)
    const aBefore = await market.stakeOf(await proverA.getAddress())
    const locked = await asMarket(proverA).lock(req.requestId, req.terms)
    const requesterBefore = await market.balanceOf(await requester.getAddress())
    const { proof, publicSignals } = words(p(constant, 1)) // bound to B
    await expect(asMarket(proverB).fulfil(req.requestId, req.terms, proof, [publicSignals[0]!])).rejects.toEqual(refusal('NotLocker'))
    await timeTravel(req.terms.lockWindow + 1n)
    // A's proof would be bound to A; B's proof submitted by the attacker binds the wrong prover.
    await expect(asMarket(attacker).fulfil(req.requestId, req.terms, proof, [publicSignals[0]!])).rejects.toEqual(refusal('InvalidProof'))
    const bBefore = (await market.stakeOf(await proverB.getAddress())).free
    const late = await asMarket(proverB).fulfil(req.requestId, req.terms, proof, [publicSignals[0]!])
    gas['fulfil (late, slashing)'] = late.gasUsed
    const toRequester = req.terms.collateral / 2n
    expect(late).toMatchObject({ late: true, payout: locked.price + req.terms.collateral - toRequester })
    expect((await market.stakeOf(await proverB.getAddress())).free).toBe(bBefore + locked.price + req.terms.collateral - toRequester)
    expect(await market.balanceOf(await requester.getAddress())).toBe(requesterBefore + toRequester)
    // A lost its collateral: nothing locked, nothing returned.
    expect(await market.stakeOf(await proverA.getAddress())).toEqual({ free: aBefore.free - req.terms.collateral, locked: 0n })
    const w = await asMarket(proverB).withdrawStake(late.payout, await proverB.getAddress())
    const got = await ethDelta(proverB, w.txHash)
    expect(got.delta).toBe(late.payout - got.fee)
  })

  it('stake bounds the locks one prover holds; fulfil after the deadline refused; expiry refunds the requester', async () => {
    // Leave A exactly one collateral of free stake.
    const free = (await market.stakeOf(await proverA.getAddress())).free
    await asMarket(proverA).withdrawStake(free - 5n * 10n ** 14n, await proverA.getAddress())
    const first = await asMarket(requester).request(offer(constantId, 9n), INPUT, MAX_PRICE)
    const second = await asMarket(requester).request(offer(constantId, 10n), INPUT, MAX_PRICE)
    const locked = await asMarket(proverA).lock(first.requestId, first.terms)
    await expect(asMarket(proverA).lock(second.requestId, second.terms)).rejects.toEqual(refusal('InsufficientStake'))
    await expect(asMarket(attacker).lock(second.requestId, second.terms)).rejects.toEqual(refusal('InsufficientStake'))
    await expect(asMarket(proverA).expire(first.requestId, first.terms)).rejects.toEqual(refusal('FulfilDeadlineNotPassed'))

    await timeTravel(first.terms.fulfilWindow + 1n)
    const { proof, publicSignals } = words(p(constant, 4))
    await expect(asMarket(proverA).fulfil(first.requestId, first.terms, proof, [publicSignals[0]!])).rejects.toEqual(refusal('FulfilDeadlinePassed'))
    await expect(asMarket(proverB).lock(second.requestId, second.terms)).rejects.toEqual(refusal('LockDeadlinePassed'))
    const before = await market.balanceOf(await requester.getAddress())
    await asMarket(attacker).expire(first.requestId, first.terms)
    expect(await market.balanceOf(await requester.getAddress())).toBe(before + locked.price + first.terms.collateral)
    expect((await market.requests(first.requestId)).status).toBe('Expired')

    // The unlocked one: only its requester can cancel it; the whole escrow comes back.
    await expect(asMarket(attacker).cancel(second.requestId, second.terms)).rejects.toEqual(refusal('NotRequester'))
    await asMarket(requester).cancel(second.requestId, second.terms)
    const owed = await market.balanceOf(await requester.getAddress())
    expect(owed).toBe(before + locked.price + first.terms.collateral + MAX_PRICE)
    // Refunds go where the requester says: a payee that refuses ETH is refused, another works.
    const refuser = await deployHostile('RefusesEth', requester)
    await expect(asMarket(requester).withdraw(refuser)).rejects.toEqual(refusal('TransferFailed'))
    const w = await asMarket(requester).withdraw(await attacker.getAddress())
    expect((await ethDelta(attacker, w.txHash)).delta).toBe(owed)
  })

  it('requests: input hash ≥ r, unknown or deprecated weight sets, oversize input, bad windows refused', async () => {
    const m = asMarket(requester)
    await expect(m.request(offer(constantId, R), INPUT, MAX_PRICE)).rejects.toEqual(refusal('InputHashNotInField'))
    await expect(m.request(offer(constantId, 5n, { weightSet: W1 }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('UnexpectedWeightSet'))
    await expect(m.request(offer(committedId, 5n, { weightSet: W2 }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('UnknownWeightSet'))
    await expect(m.request(offer(constantId, 5n), `0x${'00'.repeat(16_385)}`, MAX_PRICE)).rejects.toEqual(refusal('InputTooLarge'))
    await expect(m.request(offer(constantId, 5n, { fulfilWindow: 600n }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('InvalidWindows'))
    await expect(m.request(offer(constantId, 5n, { collateral: 0n }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('ZeroCollateral'))
    await expect(m.request(offer(constantId, 5n, { minPrice: MAX_PRICE + 1n }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('InvalidPrice'))
  })

  it('committed weights: a proof for another weight set or another model is refused', async () => {
    const req = await asMarket(requester).request(offer(committedId, 5n, { weightSet: W1 }), INPUT, MAX_PRICE)
    await asMarket(proverA).deposit(req.terms.collateral) // A's last collateral was slashed above
    await asMarket(proverA).lock(req.requestId, req.terms)
    const otherSet = words(p(committed, 1)) // w = W2
    await expect(asMarket(proverA).fulfil(req.requestId, req.terms, otherSet.proof, [otherSet.publicSignals[0]!])).rejects.toEqual(refusal('InvalidProof'))
    const otherModel = words(p(constant, 0)) // same a, the constant circuit's verifier
    await expect(asMarket(proverA).fulfil(req.requestId, req.terms, otherModel.proof, [otherModel.publicSignals[0]!])).rejects.toEqual(refusal('InvalidProof'))
    const good = words(p(committed, 0))
    const done = await asMarket(proverA).fulfil(req.requestId, req.terms, good.proof, [good.publicSignals[0]!])
    expect(done.late).toBe(false)
    // Deprecation stops new requests only.
    await market.deprecateWeightSet(committedId, W1)
    await expect(asMarket(requester).request(offer(committedId, 5n, { weightSet: W1 }), INPUT, MAX_PRICE)).rejects.toEqual(refusal('WeightSetIsDeprecated'))
  })

  it('a malicious prover contract re-entering withdrawStake is refused (ReentrantCall) and paid once', async () => {
    const prover = await deployHostile('ReentrantProver', reentrantOperator, [market.address])
    expect(prover).toBe(reentrantAddress)
    const iface = new Interface(hostile.ReentrantProver!.abi as never)
    const contract = new Contract(prover, iface, reentrantOperator)
    const marketIface = market.contract.interface
    const act = async (data: string, value = 0n) => (await contract.getFunction('act')(data, { value, gasLimit: 1_000_000n })).wait()
    await act(marketIface.encodeFunctionData('deposit', []), 10n ** 15n)
    const req = await asMarket(requester).request(offer(constantId, 8n, { rampSeconds: 0n }), INPUT, MAX_PRICE)
    const termsArg = Object.values(req.terms)
    await act(marketIface.encodeFunctionData('lock', [req.requestId, termsArg]))
    const { proof, publicSignals } = words(p(constant, 3))
    await act(marketIface.encodeFunctionData('fulfil', [req.requestId, termsArg, proof, [publicSignals[0]!]]))
    const owed = 10n ** 15n + MAX_PRICE // its stake back, and the price (no ramp: the ceiling)
    expect(await market.stakeOf(prover)).toEqual({ free: owed, locked: 0n })
    const before = await chain.provider.getBalance(prover)
    await act(marketIface.encodeFunctionData('withdrawStake', [owed, prover]))
    expect(await contract.getFunction('reentryError')()).toBe(marketIface.getError('ReentrantCall')!.selector)
    expect(await chain.provider.getBalance(prover)).toBe(before + owed)
    expect(await market.stakeOf(prover)).toEqual({ free: 0n, locked: 0n })
  })
})
