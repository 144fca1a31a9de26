/**
 * A piscina proving worker that misbehaves on purpose, for the batch fault
 * tests: `crash-*` ids end the worker thread (as a crash would), `hang-*` ids
 * never answer, `flaky-*` ids crash on their first attempt only (a marker file
 * in FAULTY_WORKER_DIR remembers it). Every other id is proven for real.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import proveTask from '../../src/prove/proveWorker.js'
import type { ProveTask, ProveTaskResult } from '../../src/prove/proveWorker.js'

export default async function faultyTask(task: ProveTask): Promise<ProveTaskResult> {
  if (task.id.startsWith('crash-')) process.exit(3)
  if (task.id.startsWith('hang-')) return new Promise<never>(() => setInterval(() => undefined, 1000))
  if (task.id.startsWith('flaky-')) {
    const marker = join(process.env['FAULTY_WORKER_DIR']!, encodeURIComponent(task.id))
    if (!existsSync(marker)) {
      writeFileSync(marker, '1')
      process.exit(4)
    }
  }
  return proveTask(task)
}
