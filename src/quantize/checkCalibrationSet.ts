import { QuantizeError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'

/**
 * Refuses calibration sets from which no scale can be chosen honestly, and
 * warns about ones too thin to trust: scales come from the calibrated ranges,
 * so an all-zero set gives every tensor a meaningless maximum scale, and a
 * set of one repeated input measures one point of the input space.
 *
 * @throws {QuantizeError} when the set is empty, all zeros, or one input repeated.
 */
export function checkCalibrationSet(calibration: readonly (readonly number[])[], { logger = silentLogger }: { logger?: Logger } = {}): void {
  if (calibration.length === 0) {
    throw new QuantizeError('No calibration inputs.', {
      details: 'Pass --calibration with a JSONL file of representative inputs (a few dozen lines of real data).',
    })
  }
  if (calibration.every((sample) => sample.every((v) => v === 0))) {
    throw new QuantizeError(`Every calibration input is all zeros (${calibration.length} line${calibration.length === 1 ? '' : 's'}).`, {
      details: 'Scales are chosen from the ranges the calibration set reaches; zeros reach none. Pass real inputs of the kind the model will be proven on.',
    })
  }
  const first = calibration[0]!
  const constant = calibration.every((sample) => sample.every((v, i) => v === first[i]))
  if (constant && calibration.length > 1) {
    throw new QuantizeError(`The ${calibration.length} calibration inputs are all the same input.`, {
      details: 'Scales chosen from one point fit nothing else. Pass a few dozen different, representative inputs.',
    })
  }
  if (calibration.length === 1) logger.warn('only one calibration input: every scale is fitted to it, and other inputs may overflow or lose precision. Pass a few dozen representative inputs.')
}
