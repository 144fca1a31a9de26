import { readFile, writeFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildExample, examplePath } from '../../test/support/exampleBuild.js'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Logger } from '../logger.js'
import { loadNativeAddon } from '../native/loadNativeAddon.js'
import type { WitnessPlan } from '../witness/witnessPlan.js'
import { readWitnessPlan, writeWitnessPlan } from '../witness/witnessPlanFile.js'
import { createProver } from './createProver.js'
import { nativeBackend } from './nativeBackend.js'
import type { ProverBackend } from './proverBackend.js'
import { loadProvingArtifacts } from './provingArtifacts.js'
import { snarkjsBackend } from './snarkjsBackend.js'

const PROVER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const addon = loadNativeAddon()

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, info() {}, warn: (m) => warnings.push(m), debug() {} }
}

/**
 * A wrong witness from glassbox's generator (here: a plan with two wires'
 * sources swapped, as a mirror bug would give) must never reach the proofs
 * file: the proof is checked, retried from circom's wasm witness, and the
 * prover then stays on wasm.
 */
describe("createProver: a proof from a wrong glassbox witness is caught and retried from circom's", () => {
  let buildDir: string
  const lines: { id: string; input: number[] }[] = []
  beforeAll(async () => {
    buildDir = await buildExample('iris')
    const text = await readFile(examplePath('iris', 'test.jsonl'), 'utf8')
    lines.push(...text.trim().split('\n').slice(0, 3).map((line) => JSON.parse(line) as { id: string; input: number[] }))
  })

  let sound: WitnessPlan | undefined
  const corruptPlan = async () => {
    const artifacts = await loadProvingArtifacts(buildDir, { withKey: false })
    const sym = artifacts.manifest.artifacts['sym']!
    if (!sound) {
      const saved = await readWitnessPlan(buildPaths(buildDir).witnessPlan, sym)
      if (!saved || !('plan' in saved)) throw new Error('compile wrote no plan')
      sound = saved.plan
    }
    // Two private wires (past the public signals) that hold different values in every witness: a bit and a rescaled output.
    const wires = sound.positionOfWire.slice()
    const last = wires.length - 1
    ;[wires[last], wires[20]] = [wires[20]!, wires[last]!]
    await writeWitnessPlan(buildPaths(buildDir).witnessPlan, { plan: { ...sound, positionOfWire: wires } }, sym)
  }

  const backends: [string, () => ProverBackend][] = [['snarkjs (does not check its proofs)', () => snarkjsBackend({ singleThread: true })]]
  if (addon) backends.unshift(['native (checks every proof)', () => nativeBackend({ addon })])
  for (const [name, backend] of backends) {
    it(`with the ${name} backend`, async () => {
      await corruptPlan()
      const logger = recordingLogger()
      const prover = await createProver(await loadProvingArtifacts(buildDir), backend(), { prover: PROVER, logger })
      try {
        const records = []
        for (const line of lines) records.push(await prover.proveOne(line))
        expect(records.map((r) => r.witness)).toEqual(['wasm', 'wasm', 'wasm'])
        expect(logger.warnings).toHaveLength(1)
        expect(logger.warnings[0]).toMatch(/glassbox's witness failed .* where circom's wasm witness proved; this is a glassbox bug/)
      } finally {
        await prover.close()
      }
    }, 120_000)
  }

  it('proves with glassbox’s witness when its plan is sound, proofs overlapping as in a pool worker', async () => {
    // Lay the plan out again from circuit.sym (a missing plan is rebuilt and checked against wasm).
    await writeFile(buildPaths(buildDir).witnessPlan, '')
    const logger = recordingLogger()
    const prover = await createProver(await loadProvingArtifacts(buildDir), snarkjsBackend({ singleThread: true }), { prover: PROVER, logger })
    try {
      // All at once: the first proof's check must not disturb the snarkjs proofs in flight.
      const records = await Promise.all(lines.map((line) => prover.proveOne(line)))
      expect(records.map((r) => r.witness)).toEqual(['native', 'native', 'native'])
      expect(logger.warnings).toEqual([])
    } finally {
      await prover.close()
    }
  }, 120_000)
})
