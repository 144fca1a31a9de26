/**
 * A circomkit-style circuit tester for glassbox's templates: compile a small
 * main component, compute witnesses, check them against the R1CS, and forge
 * witnesses to show the constraints (not just the witness generator) reject
 * wrong values. Test support only: keeps compiled circuits in a temp dir for
 * the life of the process.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { WitnessCalculatorBuilder } from 'circom_runtime'
import type { WitnessCalculator } from 'circom_runtime'
import { expect } from 'vitest'
import { runCircom } from '../../src/compile/runCircom.js'
import { makeTempDir } from './tempDirs.js'

/** Signal values as circom_runtime takes them: signed integers are mapped into the field. */
export type CircuitInputValue = bigint | number | string | CircuitInputValue[]
export type CircuitInputSignals = Record<string, CircuitInputValue>

export type R1csConstraint = [a: Map<number, bigint>, b: Map<number, bigint>, c: Map<number, bigint>]
export type R1cs = { prime: bigint; wires: number; publicOutputs: number; publicInputs: number; privateInputs: number; constraints: R1csConstraint[] }

export type CircuitTester = {
  /** Folder holding circuit.r1cs, circuit.sym and circuit.wasm. */
  dir: string
  r1cs: R1cs
  /** Number of constraints in the compiled R1CS. */
  constraintCount: number
  /** Full witness (index 0 is the constant 1). Rejects when an `===` or assert fails. */
  witness(input: CircuitInputSignals): Promise<bigint[]>
  /**
   * The witness, or undefined when the circuit itself rejects the input (a
   * failed `===` or assert). Any other error (a misspelt or missing input
   * signal, a wrong number of values, a broken wasm) is rethrown: it says the
   * test is wrong, not that the circuit refused.
   */
  tryWitness(input: CircuitInputSignals): Promise<bigint[] | undefined>
  /** Computes the witness, checks every constraint and any expected signal values (signed). */
  expectPass(input: CircuitInputSignals, expected?: Record<string, bigint | number>): Promise<bigint[]>
  /** The circuit itself must reject the input (see {@link isCircuitRejection}); returns circom's message. Any other error fails the test. */
  expectFail(input: CircuitInputSignals): Promise<string>
  checkConstraints(witness: readonly bigint[]): { ok: boolean; failing: number[] }
  /** Witness index of a signal by its .sym name, e.g. `main.rescale.bits.bits[3]`. */
  signal(name: string): number
  /** Whether the signal survived circom's simplification (has a witness index). */
  hasSignal(name: string): boolean
  /** A signal's value in a witness, as a signed integer in (−p/2, p/2]. */
  read(witness: readonly bigint[], name: string): bigint
  /** A copy of the witness with the named signals replaced (negative values mapped into the field). */
  forge(witness: readonly bigint[], values: Record<string, bigint | number>): bigint[]
}

/**
 * Whether a witness-generation error is the circuit's own rejection: circom's
 * wasm reports a failed `===` constraint or `assert` as "Assert Failed."
 * (prefixed with "Error: " when it surfaces through setInputSignal), as
 * circomkit's expectFail checks. Everything else ("Signal not found", "Not
 * enough values for input signal", "Too many values", "Not all inputs have
 * been set", an unreadable wasm) is a mistake of the caller.
 */
export function isCircuitRejection(error: unknown): boolean {
  return error instanceof Error && /^(Error: )?Assert Failed\./.test(error.message)
}

let root: string | undefined
const cache = new Map<string, Promise<CircuitTester>>()

/**
 * Compiles `mainSource` (which may `include "glassbox.circom";`) with circom2,
 * once per source and optimization level in this process.
 */
export function compileTestCircuit(mainSource: string, { optimization = 2 }: { optimization?: 0 | 1 | 2 } = {}): Promise<CircuitTester> {
  const key = createHash('sha256').update(`O${optimization}\n${mainSource}`).digest('hex').slice(0, 16)
  let tester = cache.get(key)
  if (!tester) {
    tester = build(mainSource, join(testRoot(), key), optimization)
    cache.set(key, tester)
  }
  return tester
}

function testRoot(): string {
  if (!root) {
    root = makeTempDir('glassbox-circuit-test-')
  }
  return root
}

async function build(source: string, dir: string, optimization: 0 | 1 | 2): Promise<CircuitTester> {
  await runCircom({ source, outDir: dir, optimization })
  return loadCircuitTester(dir)
}

/** A tester over an already compiled circuit folder (circuit.r1cs, circuit.sym, circuit.wasm). */
export async function loadCircuitTester(dir: string): Promise<CircuitTester> {
  const [r1csBytes, symText, wasm] = await Promise.all([
    readFile(join(dir, 'circuit.r1cs')),
    readFile(join(dir, 'circuit.sym'), 'utf8'),
    readFile(join(dir, 'circuit.wasm')),
  ])
  const r1cs = parseR1cs(r1csBytes)
  const p = r1cs.prime
  const symbols = parseSym(symText)
  const calculator: WitnessCalculator = await WitnessCalculatorBuilder(wasm)
  const toField = (v: bigint | number): bigint => ((BigInt(v) % p) + p) % p
  const signed = (v: bigint): bigint => (v > p / 2n ? v - p : v)

  const signal = (name: string): number => {
    const index = symbols.get(name)
    if (index === undefined) throw new Error(`No signal ${name} in ${dir}/circuit.sym.`)
    if (index < 0) throw new Error(`Signal ${name} was eliminated by circom's simplification; compile with a lower --O to reach it.`)
    return index
  }
  const checkConstraints = (witness: readonly bigint[]) => {
    if (witness.length !== r1cs.wires) throw new Error(`Witness has ${witness.length} values, the R1CS has ${r1cs.wires} wires.`)
    const dot = (lc: Map<number, bigint>) => {
      let sum = 0n
      for (const [wire, coefficient] of lc) sum += coefficient * witness[wire]!
      return sum % p
    }
    const failing: number[] = []
    r1cs.constraints.forEach(([a, b, c], i) => {
      if ((dot(a) * dot(b) - dot(c)) % p !== 0n) failing.push(i)
    })
    return { ok: failing.length === 0, failing }
  }
  const witness = (input: CircuitInputSignals) => calculator.calculateWitness(input, true)
  const tryWitness = async (input: CircuitInputSignals) => {
    // circom_runtime prints the failed assertion before throwing; the throw is what we test.
    const error = console.error
    console.error = () => {}
    try {
      return await witness(input)
    } catch (cause) {
      if (isCircuitRejection(cause)) return undefined
      throw cause
    } finally {
      console.error = error
    }
  }
  const read = (w: readonly bigint[], name: string) => signed(w[signal(name)]!)

  return {
    dir,
    r1cs,
    constraintCount: r1cs.constraints.length,
    witness,
    tryWitness,
    async expectPass(input, expected = {}) {
      const w = await witness(input)
      expect(checkConstraints(w).failing).toEqual([])
      for (const [name, value] of Object.entries(expected)) expect(read(w, name), name).toBe(signed(toField(value)))
      return w
    },
    async expectFail(input) {
      const error = console.error
      console.error = () => {}
      try {
        await witness(input)
      } catch (cause) {
        if (isCircuitRejection(cause)) return (cause as Error).message
        throw cause
      } finally {
        console.error = error
      }
      throw new Error(`The circuit in ${dir} accepted an input it should reject: ${JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
    },
    checkConstraints,
    signal,
    hasSignal: (name) => (symbols.get(name) ?? -1) >= 0,
    read,
    forge(w, values) {
      const copy = [...w]
      for (const [name, value] of Object.entries(values)) copy[signal(name)] = toField(value)
      return copy
    },
  }
}

/** Parses a circom `.r1cs` file (iden3 "r1cs" format v1): header and constraints sections. */
export function parseR1cs(bytes: Buffer): R1cs {
  if (bytes.toString('latin1', 0, 4) !== 'r1cs') throw new Error('Not an R1CS file.')
  const sections = new Map<number, number>()
  let offset = 12
  for (let s = 0, count = bytes.readUInt32LE(8); s < count; s++) {
    const type = bytes.readUInt32LE(offset)
    const length = Number(bytes.readBigUInt64LE(offset + 4))
    sections.set(type, offset + 12)
    offset += 12 + length
  }
  const header = sections.get(1)
  const body = sections.get(2)
  if (header === undefined || body === undefined) throw new Error('R1CS file lacks a header or constraints section.')
  const n8 = bytes.readUInt32LE(header)
  const readField = (at: number): bigint => {
    let v = 0n
    for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!)
    return v
  }
  const prime = readField(header + 4)
  const at = header + 4 + n8
  const nConstraints = bytes.readUInt32LE(at + 24)
  const constraints: R1csConstraint[] = []
  let cursor = body
  const readLinearCombination = () => {
    const lc = new Map<number, bigint>()
    const factors = bytes.readUInt32LE(cursor)
    cursor += 4
    for (let f = 0; f < factors; f++) {
      lc.set(bytes.readUInt32LE(cursor), readField(cursor + 4))
      cursor += 4 + n8
    }
    return lc
  }
  for (let i = 0; i < nConstraints; i++) constraints.push([readLinearCombination(), readLinearCombination(), readLinearCombination()])
  return {
    prime,
    wires: bytes.readUInt32LE(at),
    publicOutputs: bytes.readUInt32LE(at + 4),
    publicInputs: bytes.readUInt32LE(at + 8),
    privateInputs: bytes.readUInt32LE(at + 12),
    constraints,
  }
}

/** `.sym` lines are `labelIdx,witnessIdx,componentIdx,name`; witnessIdx −1 marks an eliminated signal. */
function parseSym(text: string): Map<string, number> {
  const symbols = new Map<string, number>()
  for (const line of text.split('\n')) {
    const parts = line.split(',')
    if (parts.length >= 4) symbols.set(parts.slice(3).join(','), Number(parts[1]))
  }
  return symbols
}
