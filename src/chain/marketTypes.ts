/** Types of the GlassboxMarket / GlassboxRegistry contracts as the TypeScript bindings see them. */

/** A Groth16 proof as the contracts take it: a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]. */
export type ProofWords = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]

/** The immutable terms of a request (`GlassboxMarket.Terms`), passed back to lock, fulfil, cancel, expire. */
export type RequestTerms = {
  requester: string
  modelId: string
  /** The weight commitment for committed-weights models, else 0n. */
  weightSet: bigint
  inputHash: bigint
  minPrice: bigint
  maxPrice: bigint
  collateral: bigint
  createdAt: bigint
  rampSeconds: bigint
  lockWindow: bigint
  fulfilWindow: bigint
}

/** What a requester chooses (`GlassboxMarket.Offer`); the price ceiling is the value sent. */
export type RequestOffer = {
  modelId: string
  weightSet: bigint
  inputHash: bigint
  minPrice: bigint
  collateral: bigint
  rampSeconds: bigint
  lockWindow: bigint
  fulfilWindow: bigint
}

/** `GlassboxMarket.Status`, by name. */
export const REQUEST_STATUSES = ['None', 'Open', 'Locked', 'Fulfilled', 'Cancelled', 'Expired'] as const
export type RequestStatus = (typeof REQUEST_STATUSES)[number]

/** Role codes of the `signalRoles` bytes given at registration, one per public signal. */
export const SIGNAL_ROLE_CODES = { output: 0, class: 1, inputHash: 2, input: 3, prover: 4, weightsCommitment: 5, packedOutputs: 6 } as const
export type SignalRole = keyof typeof SIGNAL_ROLE_CODES

/** Index value for "no such signal" in a model entry. */
export const NO_SIGNAL = 65_535

/** A registered model (`models(modelId)`); `verifier` is the zero address for an unknown id. */
export type ModelEntry = {
  owner: string
  verifier: string
  codehash: string
  nPublic: number
  proverIndex: number
  /** {@link NO_SIGNAL} when the model does not hash its input into a public signal. */
  inputHashIndex: number
  /** {@link NO_SIGNAL} for constant weights. */
  weightsIndex: number
  dev: boolean
  deprecated: boolean
  transcriptHash: string
}

/** Where a model's artifacts are, pinned by SHA-256 (bytes32 hex). */
export type ModelArtifacts = { uri: string; manifestSha256: string; zkeySha256: string; wasmSha256: string }

/** A request's on-chain state (`requests(id)`). */
export type RequestState = {
  status: RequestStatus
  locker: string
  lockedAt: bigint
  createdBlock: bigint
  termsHash: string
}

export type StakeBalance = { free: bigint; locked: bigint }

/** `WeightSetStatus`, by name. */
export const WEIGHT_SET_STATUSES = ['None', 'Active', 'Deprecated'] as const
export type WeightSetStatus = (typeof WEIGHT_SET_STATUSES)[number]
