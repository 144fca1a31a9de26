import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RawRedis } from './rawRedis.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { manifestSchema, verifyArtifacts } from '../artifacts/manifest.js'
import { sha256Bytes } from '../artifacts/sha256File.js'
import type { Logger } from '../logger.js'
import type { BuildDescriptor } from './buildDescriptor.js'
import { QueueError } from './queueError.js'
import { artifactKeyFor } from './queueNames.js'

export type FetchBuildParameters = {
  /** Where fetched builds are kept, one folder per verification-key hash. */
  cacheDir: string
  logger: Logger
}

/**
 * Makes a published build usable on this machine and returns its folder:
 * the producer's own path when this machine sees it (a shared file system)
 * and every hash matches, else `<cacheDir>/<vkeySha256>/`, filled from Redis
 * (or prepared by hand for builds too large to publish). The descriptor's
 * manifest must hash to its recorded SHA-256 and carry the queue's
 * verification-key hash, and every file must match the manifest, before it is used.
 *
 * @throws {QueueError} when the descriptor is inconsistent, or a file is neither shared, cached nor published, or does not match.
 */
export async function fetchBuild(client: RawRedis, descriptor: BuildDescriptor, { cacheDir, logger }: FetchBuildParameters): Promise<string> {
  const { vkeySha256 } = descriptor
  const manifest = checkDescriptor(descriptor)
  const needed = ['model', 'wasm', 'zkey'] as const

  if (await sameManifest(descriptor.sharedPath, descriptor)) {
    try {
      await verifyArtifacts(descriptor.sharedPath, manifest, needed)
      return descriptor.sharedPath
    } catch (error) {
      logger.warn(`shared build ${descriptor.sharedPath} does not match its manifest (${(error as Error).message.split('\n')[0]}); using the cache`)
    }
  }
  const dir = join(cacheDir, vkeySha256)
  if (await sameManifest(dir, descriptor)) {
    try {
      await verifyArtifacts(dir, manifest, needed)
      return dir
    } catch {
      logger.warn(`cached build ${dir} does not match its manifest; fetching it again`)
    }
  }
  const staging = `${dir}.tmp-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  try {
    await writeFile(buildPaths(staging).manifest, descriptor.manifest)
    for (const name of needed) {
      const { file, sha256, bytes, published } = descriptor.files[name]
      let content: Buffer | null = null
      if (published) content = await client.getBuffer(artifactKeyFor(sha256))
      if (!content) {
        throw new QueueError(`The build ${vkeySha256.slice(0, 16)}… is missing ${file} on this machine.`, {
          details: `${file} (${(bytes / 1048576).toFixed(1)} MiB, SHA-256 ${sha256}) is ${published ? 'no longer in Redis (expired)' : 'too large to publish'}. Share ${descriptor.sharedPath} with this machine, copy the build folder to ${dir}, or rerun the producer${published ? '' : ' with a larger --publish-limit'}.`,
        })
      }
      if (sha256Bytes(content) !== sha256) throw new QueueError(`${file} fetched from Redis does not match its SHA-256 in the manifest (${sha256}); refusing it.`)
      await writeFile(join(staging, file), content)
    }
    await verifyArtifacts(staging, manifest, needed)
    await rm(dir, { recursive: true, force: true })
    await rename(staging, dir)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
  logger.info(`fetched build ${manifest.name} (${vkeySha256.slice(0, 16)}…) into ${dir}`)
  return dir
}

function checkDescriptor(descriptor: BuildDescriptor): Manifest {
  const { vkeySha256 } = descriptor
  if (sha256Bytes(descriptor.manifest) !== descriptor.manifestSha256) throw new QueueError(`The published manifest of build ${vkeySha256.slice(0, 16)}… does not match its SHA-256; refusing it.`)
  const parsed = manifestSchema.safeParse(JSON.parse(descriptor.manifest))
  if (!parsed.success) throw new QueueError(`The published manifest of build ${vkeySha256.slice(0, 16)}… is not a glassbox manifest.`)
  const manifest = parsed.data
  if (manifest.artifacts['verificationKey'] !== vkeySha256) throw new QueueError(`The published manifest's verification key is not ${vkeySha256.slice(0, 16)}… (the queue's); refusing it.`)
  for (const name of ['model', 'wasm', 'zkey'] as const) {
    if (manifest.artifacts[name] !== descriptor.files[name]?.sha256) throw new QueueError(`The published ${name} hash disagrees with the manifest of build ${vkeySha256.slice(0, 16)}…; refusing it.`)
  }
  return manifest
}

async function sameManifest(dir: string, descriptor: BuildDescriptor): Promise<boolean> {
  try {
    return sha256Bytes(await readFile(buildPaths(dir).manifest, 'utf8')) === descriptor.manifestSha256
  } catch {
    return false
  }
}
