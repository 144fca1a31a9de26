import { describe, expect, it } from 'vitest'
import { InputError } from '../errors.js'
import { silentLogger } from '../logger.js'
import { jobIdFor, queueNameFor } from './queueNames.js'
import { redactRedisUrl, redisConnection } from './redisConnection.js'

describe('Redis URLs and queue names', () => {
  it('redacts credentials, keeps host, port and db', () => {
    expect(redactRedisUrl('redis://alice:s3cret@10.0.0.5:6380/2')).toBe('redis://***:***@10.0.0.5:6380/2')
    expect(redactRedisUrl('redis://:s3cret@host:6379')).toBe('redis://:***@host:6379')
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(redactRedisUrl('not a url s3cret')).not.toMatch(/s3cret/)
  })

  it('turns a URL into connection options, and refuses what is not Redis without echoing secrets', () => {
    const { connection } = redisConnection('rediss://bob:pw%40x@example.org:7000/3', silentLogger)
    expect(connection).toMatchObject({ host: 'example.org', port: 7000, username: 'bob', password: 'pw@x', db: 3, tls: {}, maxRetriesPerRequest: null })
    expect(() => redisConnection('http://user:s3cret@host', silentLogger)).toThrow(InputError)
    expect(() => redisConnection('http://user:s3cret@host', silentLogger)).not.toThrow(/s3cret/)
  })

  it('namespaces queues by verification-key hash and makes job ids BullMQ accepts', () => {
    expect(queueNameFor('ab'.repeat(32))).toBe('prove-abababababababab')
    expect(jobIdFor('a:b%c')).toBe('in-a%3Ab%25c')
    expect(jobIdFor('42')).toBe('in-42')
    expect(jobIdFor('a:b')).not.toBe(jobIdFor('a%3Ab'))
  })
})
