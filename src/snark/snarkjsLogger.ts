import type { Logger } from '../logger.js'

/** The logger shape snarkjs calls (declared here so no public type names snarkjs). */
export type SnarkjsLogger = { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void }

/** Adapts our logger to the one snarkjs takes (snarkjs's info is chatty: send it to debug). */
export function snarkjsLogger(logger: Logger): SnarkjsLogger {
  return {
    debug: (m) => logger.debug(`snarkjs: ${m}`),
    info: (m) => logger.debug(`snarkjs: ${m}`),
    warn: (m) => logger.warn(`snarkjs: ${m}`),
    error: (m) => logger.warn(`snarkjs: ${m}`),
  }
}

/**
 * snarkjs keeps a process-wide curve with worker threads alive after use;
 * terminate it or the process never exits.
 */
export async function releaseSnarkjs(): Promise<void> {
  const holder = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }
  const curve = holder.curve_bn128
  if (curve) await curve.terminate()
  // A single-threaded curve's terminate() leaves it installed; it holds no threads, but drop it too.
  holder.curve_bn128 = null
}
