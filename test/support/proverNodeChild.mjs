// A prover node in a child process, through the built library (dist/), for tests that kill it.
// With GLASSBOX_TEST_HANG_PROOFS=1 its proofs of requests never finish: it prints
// "PROVING <task id>" on stdout and hangs, so a test can SIGKILL it mid-proof, deterministically.
// argv: <rpcUrl> <buildDir> <stateDir>; key in GLASSBOX_PRIVATE_KEY.
import { connectChain, consoleLogger, createPoolExecutor, runProverNode } from '../../dist/index.js'

const [rpcUrl, buildDir, stateDir] = process.argv.slice(2)
const hang = process.env.GLASSBOX_TEST_HANG_PROOFS === '1'
const logger = consoleLogger()
const chain = await connectChain({ rpcUrl, logger })
const controller = new AbortController()
process.on('SIGTERM', () => controller.abort())
const summary = await runProverNode({
  chain,
  builds: [buildDir],
  stateDir,
  pricePerSecond: 0n,
  priceFloor: 10n ** 13n,
  stake: 10n ** 16n,
  pollMs: 200,
  signal: controller.signal,
  createExecutor: (dir, prover) => {
    const pool = createPoolExecutor({ buildDir: dir, workers: 1, backend: 'native', prover, logger })
    if (!hang) return pool
    return {
      capacity: pool.capacity,
      backend: pool.backend,
      workers: pool.workers,
      threadsPerWorker: pool.threadsPerWorker,
      run(task, options) {
        if (task.id === 'calibration') return pool.run(task, options)
        process.stdout.write(`PROVING ${task.id}\n`)
        return new Promise(() => {})
      },
      close: () => pool.close(),
    }
  },
  logger,
})
process.stdout.write(`${JSON.stringify({ fulfilled: summary.fulfilled })}\n`)
await chain.close()
