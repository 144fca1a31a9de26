import { readFile } from 'node:fs/promises'
import type { PublicSignalLayout } from '../artifacts/manifest.js'

/**
 * Reads which public signal is which from circom's `.sym` file: witness
 * indices 1..nPublic are snarkjs's publicSignals, in order.
 */
export async function readPublicSignalLayout(symPath: string, nPublic: number): Promise<PublicSignalLayout> {
  const text = await readFile(symPath, 'utf8')
  const byWitness = new Map<number, string>()
  for (const line of text.split('\n')) {
    const [, witness, , name] = line.split(',')
    const index = Number(witness)
    if (name && index >= 1 && index <= nPublic) byWitness.set(index, name)
  }
  const layout: PublicSignalLayout = []
  for (let w = 1; w <= nPublic; w++) {
    const signal = byWitness.get(w)
    if (!signal) throw new Error(`public signal ${w} missing from ${symPath}`)
    layout.push({ index: w - 1, signal, ...classify(signal) })
  }
  return layout
}

function classify(signal: string): { role: PublicSignalLayout[number]['role']; position: number } {
  const position = Number(/\[(\d+)\]$/.exec(signal)?.[1] ?? 0)
  if (signal.startsWith('main.out[')) return { role: 'output', position }
  if (signal === 'main.predicted') return { role: 'class', position: 0 }
  if (signal === 'main.inputHash') return { role: 'inputHash', position: 0 }
  if (signal === 'main.weightsCommitment') return { role: 'weightsCommitment', position: 0 }
  if (signal.startsWith('main.in[')) return { role: 'input', position }
  if (signal === 'main.prover') return { role: 'prover', position: 0 }
  throw new Error(`unexpected public signal ${signal}`)
}
