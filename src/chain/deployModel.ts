import { keccak256 } from 'ethers'
import { readFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { silentLogger, type Logger } from '../logger.js'
import { compileVerifier } from './compileVerifier.js'
import { computeModelId } from './computeModelId.js'
import { connectMarket, ZERO_ADDRESS } from './connectMarket.js'
import { checkMarket, deployMarket } from './deployMarket.js'
import { deployVerifier } from './deployVerifier.js'
import { modelLayout } from './modelLayout.js'
import { registerModel, type ChainContext } from './registerModel.js'

export type DeployModelParameters = {
  buildDir: string
  chain: ChainContext
  /** An existing GlassboxMarket (checked before anything is sent); without it a new one is deployed. */
  marketAddress?: string | undefined
  logger?: Logger | undefined
}

export type DeployModelReturnType = {
  modelId: string
  verifierAddress: string
  verifierContract: string
  marketAddress: string
  /** False when this account had already registered this verifier: no verifier was deployed. */
  deployedVerifier: boolean
  gas: { market?: bigint; verifier?: bigint; register?: bigint; weightSets: bigint[] }
}

/**
 * Deploys a build's verifier and registers its model in a GlassboxMarket (deploying the market
 * unless one is named). Before sending anything to a named market it checks the code there is a
 * GlassboxMarket, and before deploying a verifier it checks whether this account has already
 * registered this exact verifier (the model id is computed off-chain), in which case the
 * registered one is reused. Addresses are written to the build's deployment.json, by chain id.
 *
 * @throws {ChainError} When the named market is not one, or a deployment or registration fails.
 *
 * @example
 * ```ts
 * const chain = await connectChain({ rpcUrl, chainId: 11155111n })
 * const { modelId, marketAddress } = await deployModel({ buildDir: 'build/iris', chain, logger })
 * ```
 */
export async function deployModel({ buildDir, chain, marketAddress, logger = silentLogger }: DeployModelParameters): Promise<DeployModelReturnType> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['verifier', 'verificationKey'])
  const layout = modelLayout(manifest)
  const source = await readFile(buildPaths(buildDir).verifier, 'utf8')
  const compiled = await compileVerifier({ source, logger })
  const common = { timeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger }
  const gas: DeployModelReturnType['gas'] = { weightSets: [] }

  let market = marketAddress
  let marketBlock: number | undefined
  if (market) {
    await checkMarket({ provider: chain.provider, address: market })
  } else {
    const deployed = await deployMarket({ signer: chain.signer, ...common })
    market = deployed.address
    marketBlock = deployed.blockNumber
    gas.market = deployed.gasUsed
  }

  // No immutables in a snarkjs verifier: the deployed code hash is the compiled runtime's.
  const owner = await chain.signer.getAddress()
  const expectedId = computeModelId(owner, keccak256(compiled.deployedBytecode), layout.signalRoles)
  const existing = await connectMarket({ address: market, provider: chain.provider }).models(expectedId)
  let verifierAddress = existing.verifier
  const deployedVerifier = verifierAddress === ZERO_ADDRESS
  if (deployedVerifier) {
    const verifier = await deployVerifier({ signer: chain.signer, source, ...common })
    verifierAddress = verifier.address
    gas.verifier = verifier.gasUsed
  } else {
    logger.info(`"${manifest.name}" is already registered by ${owner} as ${expectedId} (verifier ${verifierAddress}): no new verifier deployed`)
  }
  const registered = await registerModel({ buildDir, chain, marketAddress: market, verifierAddress, marketBlock, logger })
  if (registered.gas.register !== undefined) gas.register = registered.gas.register
  gas.weightSets = registered.gas.weightSets
  return { modelId: registered.modelId, verifierAddress, verifierContract: compiled.contractName, marketAddress: market, deployedVerifier, gas }
}
