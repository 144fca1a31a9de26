import { readFile } from 'node:fs/promises'
import type { OutputPacking, PublicSignalLayout } from '../artifacts/manifest.js'

/**
 * Reads which public signal is which from circom's `.sym` file: witness
 * indices 1..nPublic are snarkjs's publicSignals, in order.
 *
 * @param options.packing The plan the circuit's `packedOutputs` words follow (`planOutputPacking`), recorded with each word.
 */
export async function readPublicSignalLayout(symPath: string, nPublic: number, { packing }: { packing?: readonly OutputPacking[] } = {}): Promise<PublicSignalLayout> {
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
    const entry = classify(signal)
    if (entry.role === 'packedOutputs') {
      const word = packing?.[entry.position]
      if (!word) throw new Error(`public signal ${signal} has no packing plan`)
      layout.push({ index: w - 1, signal, ...entry, packing: { ...word } })
    } else {
      layout.push({ index: w - 1, signal, ...entry })
    }
  }
  return layout
}

function classify(signal: string): { role: PublicSignalLayout[number]['role']; position: number } {
  const position = Number(/\[(\d+)\]$/.exec(signal)?.[1] ?? 0)
  if (signal.startsWith('main.out[')) return { role: 'output', position }
  if (signal === 'main.predicted') return { role: 'class', position: 0 }
  if (signal.startsWith('main.packedOutputs[')) return { role: 'packedOutputs', position }
  if (signal === 'main.inputHash') return { role: 'inputHash', position: 0 }
  if (signal === 'main.weightsCommitment') return { role: 'weightsCommitment', position: 0 }
  if (signal.startsWith('main.in[')) return { role: 'input', position }
  if (signal === 'main.prover') return { role: 'prover', position: 0 }
  throw new Error(`unexpected public signal ${signal}`)
}
