// bench:ezkl's pure parts and its "ezkl is not available" path (no ezkl, no network, no proving).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureEzkl, isUnavailable, offlineEnv } from '../../bench/ezklEnvironment.js'
import { accuracyOf, argmax, median } from '../../bench/ezklFigures.js'
import { modelTable, type SideFigures } from '../../bench/ezklReport.js'

const tests = [
  { id: 'a', input: [0], label: 0 },
  { id: 'b', input: [1], label: 1 },
  { id: 'c', input: [2], label: 1 },
]
const references = [
  { id: 'a', output: [1, 0], class: 0 },
  { id: 'b', output: [0, 1], class: 1 },
  { id: 'c', output: [1, 0], class: 0 },
]

describe('bench:ezkl figures', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('breaks argmax ties towards the lower class', () => {
    expect(argmax([1, 3, 3])).toBe(1)
  })

  it('scores outputs against labels and the float model', () => {
    const figures = accuracyOf([[0.9, 0.1], [0.2, 0.7], [0.1, 0.5]], tests, references)
    expect(figures.samples).toBe(3)
    expect(figures.labelAccuracy).toBe(1)
    expect(figures.floatAgreement).toBeCloseTo(2 / 3)
    expect(figures.maxAbsError).toBeCloseTo(0.9)
  })

  it('refuses outputs for other inputs', () => {
    expect(() => accuracyOf([[1, 0]], tests, references)).toThrow(/1 outputs for 3 test lines/)
    expect(() => accuracyOf([[1], [1], [1]], tests, references)).toThrow(/has 1 outputs, the float model 2/)
  })
})

describe('bench:ezkl table', () => {
  const side = (over: Partial<SideFigures>): SideFigures => ({
    circuitSize: 1000,
    log2Size: 10,
    compileSeconds: 1,
    setupSeconds: 2,
    parameters: { power: 10, generated: false },
    provingKeyBytes: 2 ** 20,
    prove: { proofs: 2, msPerProof: [10, 30], medianMs: 20, rssBeforeMiB: 100, peakRssMiB: 150, loadBefore: 1 },
    proofBytes: 256,
    publicValues: 3,
    verify: { valid: 2, total: 2, msPerProof: 5 },
    accuracy: { samples: 3, labelAccuracy: 1, floatAgreement: 1, maxAbsError: 0.01 },
    onChain: { verificationGas: '200000', deployGas: '400000', runtimeBytes: 1500, calldataBytes: 356, accepted: 2, total: 2 },
    details: {},
    ...over,
  })
  const floatAccuracy = { samples: 3, labelAccuracy: 1, floatAgreement: 1, maxAbsError: 0 }

  it('puts the ratio glassbox/ezkl next to each figure', () => {
    const table = modelTable({ model: 'm', floatAccuracy, glassbox: side({}), ezkl: side({ prove: { proofs: 2, msPerProof: [80], medianMs: 80, rssBeforeMiB: 50, peakRssMiB: 550, loadBefore: 1 }, onChain: { verificationGas: '400000', deployGas: '4000000', runtimeBytes: 18000, calldataBytes: 4132, accepted: 2, total: 2 } }) })
    expect(table).toMatch(/\| ms per proof, median of 2 \/ 2 \(witness \+ proof\) \| 20 \| 80 \| 0\.25× \|/)
    expect(table).toMatch(/\| verification gas \(receipt of one verifyProof tx\) \| 200,000 \(2\/2 accepted\) \| 400,000 \(2\/2 accepted\) \| 0\.50× \|/)
    expect(table).toMatch(/of which while proving .* \| 50 \| 500 \| 0\.10× \|/)
  })

  it('shows a side that failed as dashes and its error, and keeps the other', () => {
    const table = modelTable({ model: 'm', floatAccuracy, glassbox: side({}), ezkl: { error: 'ezkl build failed (exit 1):\nunsupported op' } })
    expect(table).toMatch(/\| compile s \| 1\.0 \| – \|  \|/)
    expect(table).toContain('**ezkl failed:**')
    expect(table).toContain('unsupported op')
  })

  it('says when a verifier could not go on chain', () => {
    const table = modelTable({ model: 'm', floatAccuracy, glassbox: side({}), ezkl: side({ onChain: { error: 'no Solidity verifier' } }) })
    expect(table).toMatch(/\| verifier deploy gas \| 400,000 \| failed: no Solidity verifier \| n\/a \|/)
  })
})

describe('bench:ezkl environment', () => {
  it('reports what failed and what to do when the venv cannot be created', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'glassbox-ezkl-env-'))
    try {
      const result = await ensureEzkl({ cacheDir, basePython: join(cacheDir, 'no-such-python'), pipelineScript: 'unused.py', log: () => {} })
      expect(isUnavailable(result)).toBe(true)
      if (!isUnavailable(result)) return
      expect(result.failed).toMatch(/no-such-python -m venv .* exited with -1/)
      expect(result.fix).toMatch(/--python/)
    } finally {
      await rm(cacheDir, { recursive: true, force: true })
    }
  })

  it('gives ezkl no way out: every proxy points at a closed loopback port', () => {
    const env = offlineEnv()
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'ALL_PROXY']) expect(env[name]).toBe('http://127.0.0.1:9')
    expect(env['NO_PROXY']).toBe('')
  })
})
