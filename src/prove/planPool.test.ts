import { describe, expect, it } from 'vitest'
import { H_TABLE_MIN_INPUTS, planPool } from './planPool.js'

const MiB = 2 ** 20
const GiB = 2 ** 30

describe('planPool', () => {
  it('gives a batch one native worker per core, the cores shared out', () => {
    expect(planPool({ backend: 'native', cores: 2, inputs: 64, keyBytes: 2 * MiB, memoryBytes: 8 * GiB })).toMatchObject({ workers: 2, threadsPerWorker: 1 })
    expect(planPool({ backend: 'native', cores: 8, keyBytes: 2 * MiB, memoryBytes: 8 * GiB })).toMatchObject({ workers: 8, threadsPerWorker: 1 })
  })

  it('never starts more workers than inputs left: one proof is one prover with every core', () => {
    const one = planPool({ backend: 'native', cores: 4, inputs: 1, keyBytes: 60 * MiB, memoryBytes: 8 * GiB })
    expect(one).toMatchObject({ workers: 1, threadsPerWorker: 4 })
    expect(one.reason).toMatch(/no more than the 1 input/)
    expect(planPool({ backend: 'native', cores: 8, inputs: 2, keyBytes: 60 * MiB, memoryBytes: 8 * GiB })).toMatchObject({ workers: 2, threadsPerWorker: 4 })
  })

  it('gives a short batch that does not share out evenly fewer, wider workers: the batch that ends first', () => {
    const plan = (cores: number, inputs: number) => planPool({ backend: 'native', cores, inputs, keyBytes: 60 * MiB, memoryBytes: 8 * GiB })
    // 3 proofs on 2 cores: 2 one-thread workers take two proofs' time (2), one 2-thread worker 3 / (2 · 0.925) = 1.62.
    const three = plan(2, 3)
    expect(three).toMatchObject({ workers: 1, threadsPerWorker: 2 })
    expect(three.reason).toMatch(/end sooner on 1 wider worker/)
    expect(plan(2, 4)).toMatchObject({ workers: 2, threadsPerWorker: 1 })
    // From 13 odd inputs on, the last uneven proof weighs less than the threads' loss: one per core again.
    expect(plan(2, 11)).toMatchObject({ workers: 1 })
    expect(plan(2, 13)).toMatchObject({ workers: 2, threadsPerWorker: 1 })
    expect(plan(2, 64)).toMatchObject({ workers: 2, threadsPerWorker: 1 })
    // 3 on 8 cores: 3 workers × 2 threads end after one 2-thread proof (0.54); one 8-thread worker after 3 / (8 · 0.925³) = 0.47.
    expect(plan(8, 3)).toMatchObject({ workers: 1, threadsPerWorker: 8 })
    // snarkjs's single-threaded workers: one per input.
    expect(planPool({ backend: 'snarkjs', cores: 2, inputs: 3, keyBytes: 60 * MiB, memoryBytes: 8 * GiB })).toMatchObject({ workers: 2, threadsPerWorker: 1 })
  })

  it('gives a big key fewer workers with more threads each when memory is short', () => {
    // 400 MiB of key: ~464 MiB per native worker, so 1 GiB holds two of them.
    const plan = planPool({ backend: 'native', cores: 8, inputs: 1000, keyBytes: 400 * MiB, memoryBytes: 1 * GiB })
    expect(plan).toMatchObject({ workers: 2, threadsPerWorker: 4 })
    expect(plan.reason).toMatch(/fit in/)
    // Not even one fits: still one worker (the proof may yet succeed; the pool never plans zero).
    expect(planPool({ backend: 'native', cores: 2, keyBytes: 400 * MiB, memoryBytes: 100 * MiB })).toMatchObject({ workers: 1, threadsPerWorker: 2 })
  })

  it('keeps snarkjs workers single-threaded', () => {
    expect(planPool({ backend: 'snarkjs', cores: 4, inputs: 2, keyBytes: 2 * MiB, memoryBytes: 8 * GiB })).toMatchObject({ workers: 2, threadsPerWorker: 1 })
  })

  it('plans only the threads when the user chose the workers', () => {
    expect(planPool({ backend: 'native', cores: 4, inputs: 1, keyBytes: 2 * MiB, memoryBytes: 8 * GiB, workers: 2 })).toMatchObject({ workers: 2, threadsPerWorker: 2 })
  })

  it('asks for the H table only for native batches long enough to pay for it', () => {
    const plan = (inputs: number | undefined, extra: Partial<Parameters<typeof planPool>[0]> = {}) =>
      planPool({ backend: 'native', cores: 2, ...(inputs !== undefined ? { inputs } : {}), keyBytes: 60 * MiB, memoryBytes: 8 * GiB, ...extra })
    expect(plan(H_TABLE_MIN_INPUTS - 1).hTable).toBe(false)
    expect(plan(64).hTable).toBe(false)
    const long = plan(H_TABLE_MIN_INPUTS)
    expect(long).toMatchObject({ workers: 2, threadsPerWorker: 1, hTable: true })
    expect(long.reason).toMatch(/H table/)
    // Workers chosen by the user: the table still follows the batch's length.
    expect(plan(10_000, { workers: 1 })).toMatchObject({ workers: 1, threadsPerWorker: 2, hTable: true })
    // An unknown count is short unless the file is still being counted (a file of many lines).
    expect(plan(undefined).hTable).toBe(false)
    expect(plan(undefined, { manyInputs: true }).hTable).toBe(true)
    // snarkjs has no table.
    expect(plan(10_000, { backend: 'snarkjs' }).hTable).toBe(false)
  })
})
