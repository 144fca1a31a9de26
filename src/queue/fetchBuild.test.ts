import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Queue } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildExample } from '../../test/support/exampleBuild.js'
import type { TestRedis } from '../../test/support/testRedis.js'
import { redisSkipReason, startTestRedis } from '../../test/support/testRedis.js'
import { readManifest } from '../artifacts/manifest.js'
import { silentLogger } from '../logger.js'
import { fetchBuild } from './fetchBuild.js'
import { publishBuild } from './publishBuild.js'
import { QueueError } from './queueError.js'
import { artifactKeyFor, QUEUE_PREFIX } from './queueNames.js'
import type { RawRedis } from './rawRedis.js'
import { rawRedis } from './rawRedis.js'
import { redisConnection } from './redisConnection.js'

const skip = redisSkipReason()

describe.skipIf(skip)(`build artifacts by content hash through Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let redis: TestRedis
  let queue: Queue
  let client: RawRedis
  let buildDir: string
  let cache: string

  beforeAll(async () => {
    redis = await startTestRedis()
    queue = new Queue('fetch-test', { connection: redisConnection(redis.url, silentLogger).connection, prefix: QUEUE_PREFIX })
    client = await rawRedis(queue)
    buildDir = await buildExample('iris')
    cache = mkdtempSync(join(tmpdir(), 'glassbox-build-cache-'))
  })
  afterAll(async () => {
    await queue?.close()
    await redis?.stop()
    rmSync(cache, { recursive: true, force: true })
    if (buildDir) rmSync(dirname(buildDir), { recursive: true, force: true })
  })

  it('uses the shared path when it matches, else fetches into the cache and checks every hash', async () => {
    const manifest = await readManifest(buildDir)
    const vkeySha256 = manifest.artifacts['verificationKey']!
    const descriptor = await publishBuild(client, { buildDir, manifest, vkeySha256, logger: silentLogger })
    expect(Object.values(descriptor.files).every((f) => f.published)).toBe(true)
    expect(await fetchBuild(client, descriptor, { cacheDir: cache, logger: silentLogger })).toBe(buildDir)

    // Another machine: the producer's path does not exist there.
    const remote = { ...descriptor, sharedPath: join(cache, 'not-mounted') }
    const fetched = await fetchBuild(client, remote, { cacheDir: cache, logger: silentLogger })
    expect(fetched).toBe(join(cache, vkeySha256))
    expect((await readManifest(fetched)).artifacts).toEqual(manifest.artifacts)

    // Bytes in Redis that do not match their hash are refused (a fresh cache, so nothing is reused).
    const zkey = descriptor.files.zkey.sha256
    const original = (await client.getBuffer(artifactKeyFor(zkey)))!
    await client.set(artifactKeyFor(zkey), Buffer.concat([original, Buffer.from([0])]), 'EX', 60)
    const freshCache = mkdtempSync(join(tmpdir(), 'glassbox-build-cache-'))
    try {
      await expect(fetchBuild(client, remote, { cacheDir: freshCache, logger: silentLogger })).rejects.toThrow(/circuit\.zkey fetched from Redis does not match its SHA-256/)
      // A manifest that does not match its recorded hash is refused before anything is fetched.
      await expect(fetchBuild(client, { ...remote, manifest: remote.manifest.replace('"iris"', '"other"') }, { cacheDir: freshCache, logger: silentLogger })).rejects.toThrow(QueueError)
      // A key over the publish limit stays out of Redis; a worker that cannot see the shared path is told what to do.
      const big = await publishBuild(client, { buildDir, manifest, vkeySha256, publishLimitBytes: 1000, logger: silentLogger })
      expect(big.files.zkey.published).toBe(false)
      await expect(fetchBuild(client, { ...big, sharedPath: join(cache, 'not-mounted') }, { cacheDir: freshCache, logger: silentLogger })).rejects.toThrow(/missing (model\.json|circuit\.wasm|circuit\.zkey)[\s\S]*too large to publish/)
    } finally {
      await client.set(artifactKeyFor(zkey), original, 'EX', 60)
      rmSync(freshCache, { recursive: true, force: true })
    }
  })
})
