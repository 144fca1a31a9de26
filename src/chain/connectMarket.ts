import { AbiCoder, Contract, keccak256, type Provider, type Signer } from 'ethers'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { marketAbi } from './marketArtifact.js'
import {
  REQUEST_STATUSES,
  WEIGHT_SET_STATUSES,
  type ModelArtifacts,
  type ModelEntry,
  type ProofWords,
  type RequestOffer,
  type RequestState,
  type RequestTerms,
  type StakeBalance,
  type WeightSetStatus,
} from './marketTypes.js'
import { sendMarketTransaction, type SendMarketTransactionReturnType } from './sendMarketTransaction.js'

export type ConnectMarketParameters = {
  /** Address of a deployed GlassboxMarket. */
  address: string
  /** Sends the transactions; reads go through its provider. Omit for a read-only binding (pass `provider`). */
  signer?: Signer | undefined
  provider?: Provider | undefined
  /** Mining timeout of every transaction, in ms (default 120 s). */
  txTimeoutMs?: number | undefined
  /** Raw RPC URLs to scrub from error messages (`connectChain`'s `secretRpcUrls`). */
  secretRpcUrls?: readonly string[] | undefined
  logger?: Logger | undefined
}

/** Result of every write: receipt facts and the decoded events. */
export type MarketTx = SendMarketTransactionReturnType

/** Typed binding of a deployed GlassboxMarket: every function with typed parameters and results. */
export type MarketContract = {
  address: string
  /** The underlying ethers contract, for what the binding does not cover. */
  contract: Contract
  // reads
  models(modelId: string): Promise<ModelEntry>
  artifacts(modelId: string): Promise<ModelArtifacts>
  weightSetStatus(modelId: string, commitment: bigint): Promise<WeightSetStatus>
  modelIdOf(owner: string, codehash: string, signalRoles: string): Promise<string>
  verifiedBy(statement: string): Promise<string>
  statementOf(modelId: string, publicSignals: readonly bigint[]): Promise<string>
  verifyGasLimit(nPublic: number): Promise<bigint>
  requestCount(): Promise<bigint>
  requests(requestId: bigint): Promise<RequestState>
  priceAt(terms: RequestTerms, time: bigint): Promise<bigint>
  stakeOf(account: string): Promise<StakeBalance>
  balanceOf(account: string): Promise<bigint>
  // writes (explicit gas limits; simulated first so a refusal names the contract error)
  register(verifier: string, signalRoles: string, dev: boolean, transcriptHash: string): Promise<MarketTx & { modelId: string }>
  setArtifacts(modelId: string, artifacts: ModelArtifacts): Promise<MarketTx>
  deprecate(modelId: string): Promise<MarketTx>
  registerWeightSet(modelId: string, commitment: bigint): Promise<MarketTx>
  deprecateWeightSet(modelId: string, commitment: bigint): Promise<MarketTx>
  verify(modelId: string, proof: ProofWords, publicSignals: readonly bigint[], options?: WriteOptions): Promise<MarketTx & { statement: string }>
  request(offer: RequestOffer, input: string, maxPrice: bigint, options?: WriteOptions): Promise<MarketTx & { requestId: bigint; terms: RequestTerms }>
  lock(requestId: bigint, terms: RequestTerms, options?: WriteOptions): Promise<MarketTx & { price: bigint }>
  fulfil(requestId: bigint, terms: RequestTerms, proof: ProofWords, outputs: readonly bigint[], options?: WriteOptions): Promise<MarketTx & { statement: string; payout: bigint; late: boolean }>
  expire(requestId: bigint, terms: RequestTerms, options?: WriteOptions): Promise<MarketTx>
  cancel(requestId: bigint, terms: RequestTerms, options?: WriteOptions): Promise<MarketTx>
  deposit(amount: bigint, options?: WriteOptions): Promise<MarketTx>
  withdrawStake(amount: bigint, to: string, options?: WriteOptions): Promise<MarketTx>
  withdraw(to: string, options?: WriteOptions): Promise<MarketTx & { amount: bigint }>
}

export type WriteOptions = { gasLimit?: bigint; simulate?: boolean }

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/** ABI tuple type of `Terms`, for hashing exactly as the contract does. */
const TERMS_TUPLE = 'tuple(address requester, bytes32 modelId, uint256 weightSet, uint256 inputHash, uint96 minPrice, uint96 maxPrice, uint96 collateral, uint40 createdAt, uint32 rampSeconds, uint32 lockWindow, uint32 fulfilWindow)'

/** keccak256(abi.encode(terms)), the value the market stores per request. */
export function hashRequestTerms(terms: RequestTerms): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [termsTuple(terms)]))
}

/**
 * Binds a deployed GlassboxMarket with typed functions. Writes carry explicit gas limits (never
 * `eth_estimateGas`), are simulated first so a refusal is a {@link MarketRefusalError} naming the
 * contract's custom error, and wait for their receipt at most `txTimeoutMs`.
 *
 * @param parameters - {@link ConnectMarketParameters}
 * @returns a {@link MarketContract}
 * @throws {ChainError} When neither a signer nor a provider is given.
 *
 * @example
 * ```ts
 * const market = connectMarket({ address, signer })
 * const { requestId, terms } = await market.request(offer, inputHex, 10n ** 16n)
 * await market.lock(requestId, terms)
 * ```
 */
export function connectMarket({ address, signer, provider, txTimeoutMs = 120_000, secretRpcUrls = [], logger = silentLogger }: ConnectMarketParameters): MarketContract {
  const runner = signer ?? provider
  if (!runner) throw new ChainError('connectMarket needs a signer or a provider.')
  const contract = new Contract(address, marketAbi as never, runner)
  const read = <T>(method: string, ...args: unknown[]) => contract.getFunction(method).staticCall(...args) as Promise<T>
  const send = async (method: string, args: readonly unknown[], gasLimit: bigint, options: WriteOptions = {}, value?: bigint) => {
    if (!signer) throw new ChainError(`${method} needs a signer; this market binding is read-only.`)
    return sendMarketTransaction({
      signer,
      marketAddress: address,
      method,
      args,
      gasLimit: options.gasLimit ?? gasLimit,
      value,
      simulate: options.simulate ?? true,
      timeoutMs: txTimeoutMs,
      secretRpcUrls,
      logger,
    })
  }
  const event = (tx: MarketTx, name: string) => {
    const found = tx.events.find((e) => e.name === name)
    if (!found) throw new ChainError(`Transaction ${tx.txHash} succeeded but emitted no ${name} event.`)
    return found.args
  }
  // The verifier gets a cap of 240k + 10k per signal; the rest of a verifying call is < 150k.
  const verifyGas = (nPublic: number) => 400_000n + 12_000n * BigInt(nPublic)
  const modelSignals = async (modelId: string) => (await read<{ nPublic: bigint }>('models', modelId)).nPublic

  return {
    address,
    contract,
    async models(modelId) {
      const m = await read<Record<string, unknown>>('models', modelId)
      return {
        owner: m.owner as string,
        verifier: m.verifier as string,
        codehash: m.codehash as string,
        nPublic: Number(m.nPublic),
        proverIndex: Number(m.proverIndex),
        inputHashIndex: Number(m.inputHashIndex),
        weightsIndex: Number(m.weightsIndex),
        dev: m.dev as boolean,
        deprecated: m.deprecated as boolean,
        transcriptHash: m.transcriptHash as string,
      }
    },
    async artifacts(modelId) {
      const a = await read<ModelArtifacts>('artifacts', modelId)
      return { uri: a.uri, manifestSha256: a.manifestSha256, zkeySha256: a.zkeySha256, wasmSha256: a.wasmSha256 }
    },
    async weightSetStatus(modelId, commitment) {
      return WEIGHT_SET_STATUSES[Number(await read<bigint>('weightSets', modelId, commitment))] ?? 'None'
    },
    modelIdOf: (owner, codehash, roles) => read<string>('modelIdOf', owner, codehash, roles),
    verifiedBy: (statement) => read<string>('verifiedBy', statement),
    statementOf: (modelId, signals) => read<string>('statementOf', modelId, signals),
    verifyGasLimit: (n) => read<bigint>('verifyGasLimit', n),
    requestCount: () => read<bigint>('requestCount'),
    async requests(requestId) {
      const r = await read<Record<string, unknown>>('requests', requestId)
      return {
        status: REQUEST_STATUSES[Number(r.status)] ?? 'None',
        locker: r.locker as string,
        lockedAt: r.lockedAt as bigint,
        createdBlock: r.createdBlock as bigint,
        termsHash: r.termsHash as string,
      }
    },
    priceAt: (terms, time) => read<bigint>('priceAt', termsTuple(terms), time),
    async stakeOf(account) {
      const s = await read<{ free: bigint; locked: bigint }>('stakeOf', account)
      return { free: s.free, locked: s.locked }
    },
    balanceOf: (account) => read<bigint>('balanceOf', account),

    async register(verifier, roles, dev, transcriptHash) {
      const tx = await send('register', [verifier, roles, dev, transcriptHash], 400_000n + 2_000n * BigInt((roles.length - 2) / 2))
      return { ...tx, modelId: event(tx, 'ModelRegistered').modelId as string }
    },
    setArtifacts: (modelId, a) => send('setArtifacts', [modelId, a.uri, a.manifestSha256, a.zkeySha256, a.wasmSha256], 200_000n + 1_000n * BigInt(a.uri.length)),
    deprecate: (modelId) => send('deprecate', [modelId], 100_000n),
    registerWeightSet: (modelId, commitment) => send('registerWeightSet', [modelId, commitment], 100_000n),
    deprecateWeightSet: (modelId, commitment) => send('deprecateWeightSet', [modelId, commitment], 100_000n),
    async verify(modelId, proof, signals, options) {
      const tx = await send('verify', [modelId, proof, signals], verifyGas(signals.length), options)
      return { ...tx, statement: event(tx, 'StatementVerified').statement as string }
    },
    async request(offer, input, maxPrice, options) {
      const bytes = (input.length - 2) / 2
      const tx = await send('request', [offerTuple(offer), input], 250_000n + 64n * BigInt(bytes), options, maxPrice)
      const args = event(tx, 'Requested')
      return { ...tx, requestId: args.requestId as bigint, terms: termsFromEvent(args.terms) }
    },
    async lock(requestId, terms, options) {
      const tx = await send('lock', [requestId, termsTuple(terms)], 150_000n, options)
      return { ...tx, price: event(tx, 'Locked').price as bigint }
    },
    async fulfil(requestId, terms, proof, outputs, options) {
      const n = options?.gasLimit === undefined ? Number(await modelSignals(terms.modelId)) : 0
      const tx = await send('fulfil', [requestId, termsTuple(terms), proof, outputs], verifyGas(n) + 100_000n, options)
      const args = event(tx, 'Fulfilled')
      return { ...tx, statement: args.statement as string, payout: args.payout as bigint, late: args.late as boolean }
    },
    expire: (requestId, terms, options) => send('expire', [requestId, termsTuple(terms)], 150_000n, options),
    cancel: (requestId, terms, options) => send('cancel', [requestId, termsTuple(terms)], 150_000n, options),
    deposit: (amount, options) => send('deposit', [], 100_000n, options, amount),
    withdrawStake: (amount, to, options) => send('withdrawStake', [amount, to], 200_000n, options),
    async withdraw(to, options) {
      const tx = await send('withdraw', [to], 200_000n, options)
      return { ...tx, amount: event(tx, 'Withdrawn').amount as bigint }
    },
  }
}

function termsTuple(t: RequestTerms): unknown[] {
  return [t.requester, t.modelId, t.weightSet, t.inputHash, t.minPrice, t.maxPrice, t.collateral, t.createdAt, t.rampSeconds, t.lockWindow, t.fulfilWindow]
}

function offerTuple(o: RequestOffer): unknown[] {
  return [o.modelId, o.weightSet, o.inputHash, o.minPrice, o.collateral, o.rampSeconds, o.lockWindow, o.fulfilWindow]
}

/** Terms from a decoded `Requested` event (an ethers Result tuple). */
export function termsFromEvent(raw: unknown): RequestTerms {
  const r = raw as readonly unknown[]
  if (!Array.isArray(r) && typeof r !== 'object') throw new ChainError('Malformed Requested event.')
  const at = (i: number) => (r as unknown as Record<number, unknown>)[i]
  return {
    requester: at(0) as string,
    modelId: at(1) as string,
    weightSet: BigInt(at(2) as bigint),
    inputHash: BigInt(at(3) as bigint),
    minPrice: BigInt(at(4) as bigint),
    maxPrice: BigInt(at(5) as bigint),
    collateral: BigInt(at(6) as bigint),
    createdAt: BigInt(at(7) as bigint),
    rampSeconds: BigInt(at(8) as bigint),
    lockWindow: BigInt(at(9) as bigint),
    fulfilWindow: BigInt(at(10) as bigint),
  }
}

export { ZERO_ADDRESS }
