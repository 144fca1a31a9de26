import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts, type Manifest } from '../artifacts/manifest.js'
import { checkVerifierCode } from '../chain/checkVerifierCode.js'
import { connectMarket, ZERO_ADDRESS, type MarketContract } from '../chain/connectMarket.js'
import { readDeployment, type ChainDeployment } from '../chain/deploymentFile.js'
import { modelLayout, type ModelLayout } from '../chain/modelLayout.js'
import type { ChainContext } from '../chain/registerModel.js'
import { ChainError } from '../errors.js'
import { silentLogger, type Logger } from '../logger.js'
import { parseFixedPointModel, type FixedPointModel } from '../quantize/fixedPointModel.js'

export type OpenMarketModelParameters = {
  buildDir: string
  chain: ChainContext
  /** The market; default: the one in the build's deployment.json for this chain. */
  marketAddress?: string | undefined
  /** The model id; default: the one in deployment.json. */
  modelId?: string | undefined
  logger?: Logger | undefined
}

export type OpenMarketModelReturnType = {
  manifest: Manifest
  model: FixedPointModel
  layout: ModelLayout
  market: MarketContract
  modelId: string
  deployment: ChainDeployment | undefined
  /** The registry's dev flag: the key came from a dev powers of tau, so its maker can forge proofs. */
  dev: boolean
}

/**
 * Everything the market actions need about one build on one chain: its manifest, fixed-point
 * model and signal layout, the market binding and the model id — with the registered verifier's
 * code checked against the build's Verifier.sol, so no action trusts a verifier the build did
 * not produce.
 *
 * @throws {ChainError} When no market or model id is known for this chain, the model is not
 *   registered, or its layout differs from the build's.
 * @throws {VerifierCodeMismatchError} When the registered verifier's code is not the build's.
 */
export async function openMarketModel({ buildDir, chain, marketAddress, modelId, logger = silentLogger }: OpenMarketModelParameters): Promise<OpenMarketModelReturnType> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['model', 'verifier'])
  const layout = modelLayout(manifest)
  const paths = buildPaths(buildDir)
  const model = parseFixedPointModel(JSON.parse(await readFile(paths.model, 'utf8')), paths.model)
  const deployment = await readDeployment(buildDir, chain)
  const address = marketAddress ?? deployment?.market
  const id = modelId ?? deployment?.modelId
  if (!address || !id) {
    throw new ChainError(`No market deployment of "${manifest.name}" is recorded for chain ${chain.chainId}.`, {
      details: `Run glassbox deploy ${buildDir} (with the same --rpc and --chain-id), or pass --market and --model.`,
    })
  }
  const market = connectMarket({ address, signer: chain.signer, txTimeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger })
  const entry = await market.models(id)
  if (entry.verifier === ZERO_ADDRESS) throw new ChainError(`Model ${id} is not registered on the market at ${address}.`, { details: `Run glassbox register ${buildDir}.` })
  if (entry.nPublic !== layout.nPublic || entry.proverIndex !== layout.proverIndex || entry.inputHashIndex !== layout.inputHashIndex || entry.weightsIndex !== layout.weightsIndex) {
    throw new ChainError(`Model ${id} on chain has another public-signal layout than ${buildDir}.`, { details: 'It is another model: check --model.' })
  }
  await checkVerifierCode({ provider: chain.provider, verifierAddress: entry.verifier, source: await readFile(paths.verifier, 'utf8'), logger })
  return { manifest, model, layout, market, modelId: id, deployment, dev: entry.dev }
}
