import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'

export type TestRedis = {
  url: string
  stop(): Promise<void>
  /** Stops the server and starts an empty one on the same port (only for a private server). */
  restart?(pauseMs: number): Promise<void>
}

/** Why Redis tests cannot run here, or undefined when they can. */
export function redisSkipReason(): string | undefined {
  if (process.env['GLASSBOX_TEST_REDIS']) return undefined
  if (spawnSync('redis-server', ['--version']).status === 0) return undefined
  return 'needs Redis: set GLASSBOX_TEST_REDIS=redis://host:port or install redis-server (apt-get install redis-server)'
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * The Redis for a test: GLASSBOX_TEST_REDIS when set (CI starts one), else a
 * private redis-server on a free loopback port, without persistence, stopped by `stop`.
 */
export async function startTestRedis({ ownServer = false }: { ownServer?: boolean } = {}): Promise<TestRedis> {
  const shared = process.env['GLASSBOX_TEST_REDIS']
  if (shared && !ownServer) return { url: shared, stop: async () => undefined }
  const port = await freePort()
  let child = await spawnRedis(port)
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart(pauseMs) {
      await stop()
      await new Promise((r) => setTimeout(r, pauseMs))
      child = await spawnRedis(port)
    },
  }
}

async function spawnRedis(port: number) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)))
  })
  return child
}

/** Whether this machine can start its own redis-server (for tests that restart it). */
export const canStartRedis = () => spawnSync('redis-server', ['--version']).status === 0
