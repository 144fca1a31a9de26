/**
 * The circuit tester accepts only the circuit's own rejection as a failure
 * (a failed `===` or assert, as circomkit's expectFail does): a misspelt
 * signal name, a wrong number of values or a missing input is a broken test
 * and must fail it, never count as "the circuit refused".
 */
import { describe, expect, it } from 'vitest'
import { compileTestCircuit, isCircuitRejection } from '../support/circuitTester.js'

const TIMEOUT = 120_000
const tester = () => compileTestCircuit('pragma circom 2.1.0;\ninclude "glassbox.circom";\ncomponent main = InputRange(2, 8);\n')

describe('circuit tester: only the circuit’s own rejection counts', () => {
  it('expectFail and tryWitness accept a failed constraint, and return circom’s message', async () => {
    const t = await tester()
    expect(await t.expectFail({ in: [1000n, 0n] })).toMatch(/Assert Failed\. Error in template BitsOf/)
    expect(await t.tryWitness({ in: [1000n, 0n] })).toBeUndefined()
    expect(await t.tryWitness({ in: [5n, -5n] })).toBeDefined()
  }, TIMEOUT)

  it('expectFail fails the test when the circuit accepts the input', async () => {
    const t = await tester()
    await expect(t.expectFail({ in: [5n, -5n] })).rejects.toThrow(/accepted an input it should reject/)
  }, TIMEOUT)

  it.each([
    ['a misspelt signal name', { inn: [1000n, 0n] }],
    ['too few values', { in: [1000n] }],
    ['too many values', { in: [1000n, 0n, 0n] }],
    ['no inputs at all', {}],
  ])('expectFail and tryWitness rethrow %s instead of counting it as a rejection', async (_, input) => {
    const t = await tester()
    const error = await t.expectFail(input as never).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect(isCircuitRejection(error)).toBe(false)
    await expect(t.tryWitness(input as never)).rejects.toThrow()
  }, TIMEOUT)
})
