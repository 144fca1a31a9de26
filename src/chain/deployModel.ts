import { readFile } from 'node:fs/promises'
import { toBeHex } from 'ethers'
import type { Signer } from 'ethers'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { deployRegistry } from './deployRegistry.js'
import { deployVerifier } from './deployVerifier.js'
import { NO_INPUT_HASH, registerModel } from './registerModel.js'

export type DeployModelParameters = {
  buildDir: string
  signer: Signer
  /** An existing GlassboxRegistry; without it a new one is deployed. */
  registryAddress?: string
  logger?: Logger
}

export type DeployModelReturnType = {
  modelId: string
  verifierAddress: string
  registryAddress: string
  gas: { verifier: bigint; registry?: bigint; register: bigint }
}

/**
 * Deploys a model's verifier (hash-checked against the manifest) and
 * registers the model in a GlassboxRegistry (deploying one if needed). The
 * model id is the SHA-256 of its verification key, so it names exactly one
 * circuit and key pair.
 */
export async function deployModel({ buildDir, signer, registryAddress, logger = silentLogger }: DeployModelParameters): Promise<DeployModelReturnType> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['verifier', 'verificationKey'])
  const source = await readFile(buildPaths(buildDir).verifier, 'utf8')
  const verifier = await deployVerifier({ signer, source, logger })
  const gas: DeployModelReturnType['gas'] = { verifier: verifier.gasUsed, register: 0n }
  let registry = registryAddress
  if (!registry) {
    const deployed = await deployRegistry({ signer, logger })
    registry = deployed.address
    gas.registry = deployed.gasUsed
  }
  const vkeyHash = `0x${manifest.artifacts.verificationKey}`
  const signalIndex = (role: string) => manifest.publicSignals.find((s) => s.role === role)?.index
  const registered = await registerModel({
    signer,
    registryAddress: registry,
    modelId: vkeyHash,
    verifierAddress: verifier.address,
    nPublic: manifest.publicSignals.length,
    proverIndex: signalIndex('prover') ?? 0,
    inputHashIndex: signalIndex('inputHash') ?? NO_INPUT_HASH,
    vkeyHash,
    weightCommitment: toBeHex(BigInt(manifest.weights.commitment), 32),
    logger,
  })
  gas.register = registered.gasUsed
  return { modelId: vkeyHash, verifierAddress: verifier.address, registryAddress: registry, gas }
}
