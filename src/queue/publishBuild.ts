import { readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { RawRedis } from './rawRedis.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import { ARTIFACT_FILES } from '../artifacts/buildPaths.js'
import { sha256Bytes } from '../artifacts/sha256File.js'
import type { Manifest } from '../artifacts/manifest.js'
import type { Logger } from '../logger.js'
import type { BuildDescriptor } from './buildDescriptor.js'
import { artifactKeyFor, buildKeyFor, BUILDS_KEY } from './queueNames.js'

export type PublishBuildParameters = {
  buildDir: string
  manifest: Manifest
  vkeySha256: string
  /** Artifact bytes put into Redis at most (default 64 MiB); larger builds are fetched from a shared path by the workers. */
  publishLimitBytes?: number
  logger: Logger
}

/** Published artifacts and descriptors expire a week after the last producer run that published them. */
const TTL_SECONDS = 7 * 24 * 3600

/**
 * Publishes a build for `glassbox worker`s: a descriptor (the manifest, its
 * hash, each needed file's hash and size, the producer's path) and, up to the
 * limit, the files themselves keyed by SHA-256 (`SET NX`: identical content is
 * stored once, whatever build it belongs to). Workers check every hash
 * against the manifest before they use a byte.
 */
export async function publishBuild(client: RawRedis, { buildDir, manifest, vkeySha256, publishLimitBytes = 64 * 1024 * 1024, logger }: PublishBuildParameters): Promise<BuildDescriptor> {
  const manifestText = await readFile(buildPaths(buildDir).manifest, 'utf8')
  let budget = publishLimitBytes
  const files = {} as BuildDescriptor['files']
  for (const name of ['model', 'wasm', 'zkey'] as const) {
    const file = ARTIFACT_FILES[name]
    const sha256 = manifest.artifacts[name]!
    const { size } = await stat(join(buildDir, file))
    const published = size <= budget
    if (published) {
      budget -= size
      const key = artifactKeyFor(sha256)
      if ((await client.exists(key)) === 0) {
        const bytes = await readFile(join(buildDir, file))
        // The manifest was checked against these files just before; check again what goes out.
        if (sha256Bytes(bytes) !== sha256) throw new Error(`${file} changed while it was being published`)
        await client.set(key, bytes, 'EX', TTL_SECONDS, 'NX')
      } else await client.expire(key, TTL_SECONDS)
    } else {
      logger.info(`${file} (${(size / 1048576).toFixed(1)} MiB) is over --publish-limit: workers must read it from a shared path (${resolve(buildDir)}) or their --build-cache`)
    }
    files[name] = { file, sha256, bytes: size, published }
  }
  const descriptor: BuildDescriptor = {
    format: 'glassbox/build-descriptor@1',
    vkeySha256,
    manifest: manifestText,
    manifestSha256: sha256Bytes(manifestText),
    files,
    sharedPath: resolve(buildDir),
    publishedAt: new Date().toISOString(),
  }
  await client.set(buildKeyFor(vkeySha256), JSON.stringify(descriptor), 'EX', TTL_SECONDS)
  await client.sadd(BUILDS_KEY, vkeySha256)
  return descriptor
}
