import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ArtifactError } from '../errors.js'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)

const chainDeployment = z.object({
  /** True for the embedded anvil (state kept in the build folder's `anvil-state.json`). */
  embedded: z.boolean(),
  market: address,
  /** Block of the market's deployment (where to start reading its events). */
  marketBlock: z.number().int().nonnegative(),
  verifier: address.optional(),
  verifierContract: z.string().optional(),
  verifierCodehash: bytes32.optional(),
  modelId: bytes32.optional(),
  owner: address.optional(),
  /** Weight commitments registered under the model (decimal strings). */
  weightSets: z.array(z.string()).default([]),
})

const deploymentSchema = z.object({ format: z.literal('glassbox/deployment@1'), chains: z.record(z.string(), chainDeployment) })

export type ChainDeployment = z.infer<typeof chainDeployment>
export type DeploymentFile = z.infer<typeof deploymentSchema>

/** `deployment.json` in a build folder: contract addresses, keyed by chain id (`embedded` for the embedded anvil). */
export const deploymentPath = (buildDir: string) => join(buildDir, 'deployment.json')

/** Where the embedded anvil keeps a build's chain between commands. */
export const embeddedStatePath = (buildDir: string) => join(buildDir, 'anvil-state.json')

/** Which chain a deployment is on: its chain id, and whether it is the embedded anvil. */
export type DeploymentChain = { chainId: bigint; embedded: boolean }

/**
 * The key of a chain in deployment.json: its chain id, or `embedded` for the embedded anvil
 * (whose chain id, 31337, a local node shares).
 */
export const deploymentKey = ({ chainId, embedded }: DeploymentChain): string => (embedded ? 'embedded' : chainId.toString())

/**
 * Reads the deployment of a build on one chain (undefined when none is recorded).
 * @throws {ArtifactError} When the file exists but is malformed.
 */
export async function readDeployment(buildDir: string, chain: DeploymentChain): Promise<ChainDeployment | undefined> {
  return (await readDeploymentFile(buildDir))?.chains[deploymentKey(chain)]
}

/** Records (merges) the deployment of a build on one chain; written through a temp file and a rename. */
export async function writeDeployment(buildDir: string, chain: DeploymentChain, deployment: ChainDeployment): Promise<void> {
  const file = (await readDeploymentFile(buildDir)) ?? { format: 'glassbox/deployment@1' as const, chains: {} }
  file.chains[deploymentKey(chain)] = deployment
  const path = deploymentPath(buildDir)
  await writeFile(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`)
  await rename(`${path}.tmp`, path)
}

async function readDeploymentFile(buildDir: string): Promise<DeploymentFile | undefined> {
  let text: string
  try {
    text = await readFile(deploymentPath(buildDir), 'utf8')
  } catch {
    return undefined
  }
  const parsed = deploymentSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    throw new ArtifactError(`${deploymentPath(buildDir)} is not a valid glassbox deployment file.`, {
      details: `${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Delete it and deploy again.`,
    })
  }
  return parsed.data
}
