import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { checkVerifierCode } from './checkVerifierCode.js'
import { computeModelId } from './computeModelId.js'
import type { ConnectChainReturnType } from './connectChain.js'
import { connectMarket, ZERO_ADDRESS } from './connectMarket.js'
import { readDeployment, writeDeployment } from './deploymentFile.js'
import { modelLayout } from './modelLayout.js'

/** What the chain actions need of a connection (`connectChain`'s result). */
export type ChainContext = Pick<ConnectChainReturnType, 'signer' | 'provider' | 'chainId' | 'embedded' | 'txTimeoutMs' | 'secretRpcUrls'>

export type RegisterModelParameters = {
  buildDir: string
  chain: ChainContext
  marketAddress: string
  /** The deployed verifier of this build; its code is checked against the build's Verifier.sol. */
  verifierAddress: string
  /** Committed-weights models: commitments to register (default: the manifest's own weights). */
  weightSets?: readonly bigint[] | undefined
  /** Block of the market's deployment, recorded in deployment.json. */
  marketBlock?: number | undefined
  logger?: Logger | undefined
}

export type RegisterModelReturnType = {
  modelId: string
  verifierCodehash: string
  /** False when this account had already registered this verifier (nothing sent for it). */
  registered: boolean
  weightSets: bigint[]
  gas: { register?: bigint; weightSets: bigint[] }
}

/**
 * Registers a build's model in a GlassboxMarket under the sender's account: checks the code at
 * the verifier address against the build's Verifier.sol, computes the model id the registry
 * will derive (owner, code hash, signal roles) and registers it with its dev flag and setup
 * transcript hash, then the weight sets of a committed-weights model. Idempotent: what is
 * already registered is left as is. Records the result in the build's deployment.json.
 *
 * @throws {VerifierCodeMismatchError} When the verifier's code is not the build's.
 * @throws {MarketRefusalError} When the registry refuses (the message names its error).
 */
export async function registerModel({ buildDir, chain, marketAddress, verifierAddress, weightSets, marketBlock, logger = silentLogger }: RegisterModelParameters): Promise<RegisterModelReturnType> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['verifier'])
  const layout = modelLayout(manifest)
  const source = await readFile(buildPaths(buildDir).verifier, 'utf8')
  const { codehash } = await checkVerifierCode({ provider: chain.provider, verifierAddress, source, logger })
  const owner = await chain.signer.getAddress()
  const modelId = computeModelId(owner, codehash, layout.signalRoles)
  const market = connectMarket({ address: marketAddress, signer: chain.signer, txTimeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger })

  const gas: RegisterModelReturnType['gas'] = { weightSets: [] }
  const entry = await market.models(modelId)
  let registered = false
  if (entry.verifier === ZERO_ADDRESS) {
    const tx = await market.register(verifierAddress, layout.signalRoles, layout.dev, layout.transcriptHash)
    if (tx.modelId !== modelId) throw new ChainError(`The registry derived model id ${tx.modelId}, expected ${modelId}.`, { details: 'The market is not this version of GlassboxMarket.' })
    gas.register = tx.gasUsed
    registered = true
    logger.info(`model "${manifest.name}" registered as ${modelId}${layout.dev ? ' (DEV setup: insecure, marked on-chain)' : ''} (gas ${tx.gasUsed})`)
  } else {
    logger.info(`model "${manifest.name}" is already registered as ${modelId}`)
  }

  const sets = layout.weights === 'committed' ? [...(weightSets ?? [BigInt(manifest.weights.commitment)])] : []
  if (layout.weights === 'constant' && weightSets?.length) {
    throw new ChainError(`"${manifest.name}" has constant weights: it takes no weight sets.`, { details: 'Compile with --weights committed to serve several weight sets with one verifier.' })
  }
  for (const commitment of sets) {
    if ((await market.weightSetStatus(modelId, commitment)) !== 'None') continue
    const tx = await market.registerWeightSet(modelId, commitment)
    gas.weightSets.push(tx.gasUsed)
    logger.info(`weight set ${commitment} registered under ${modelId}`)
  }

  const previous = await readDeployment(buildDir, chain)
  const known = new Set([...(previous?.market === marketAddress ? previous.weightSets : []), ...sets.map(String)])
  await writeDeployment(buildDir, chain, {
    embedded: chain.embedded,
    market: marketAddress,
    marketBlock: marketBlock ?? (previous?.market === marketAddress ? previous.marketBlock : 0),
    verifier: verifierAddress,
    verifierCodehash: codehash,
    modelId,
    owner,
    weightSets: [...known],
  })
  return { modelId, verifierCodehash: codehash, registered, weightSets: sets, gas }
}
