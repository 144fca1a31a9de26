import { endianness } from 'node:os'
import { FIELD_ORDER } from '../field/fieldElement.js'
import type { SignalDeclaration, WitnessValues } from './witnessScope.js'

/**
 * Where each wire of a compiled circuit takes its value from: the position,
 * in the witness mirror's declaration order, of the signal circom kept on
 * that wire. Built once per circuit from its `.sym` (see
 * {@link buildWitnessPlan}); then every witness is one gather.
 */
export type WitnessPlan = {
  /** Wires of the R1CS, the constant-one wire 0 included. */
  wires: number
  /** Positions the mirror declares (checked against each witness, so a plan never serves another layout). */
  positions: number
  /** For wire w ≥ 1, the position holding its value; entry 0 is unused (the constant 1). */
  positionOfWire: Int32Array
}

/** The mirror and the circuit disagree: a signal circom keeps that the mirror does not compute, or one the mirror names that circom does not have. */
export class WitnessLayoutMismatch extends Error {
  override readonly name = 'WitnessLayoutMismatch'
}

function* elementNames({ name, dims }: SignalDeclaration): Generator<string> {
  if (dims.length === 0) {
    yield name
    return
  }
  const index = new Array<number>(dims.length).fill(0)
  const count = dims.reduce((a, b) => a * b, 1)
  for (let n = 0; n < count; n++) {
    yield `${name}${index.map((i) => `[${i}]`).join('')}`
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++index[d]! < dims[d]!) break
      index[d] = 0
    }
  }
}

/**
 * Matches the mirror's declarations with circom's `.sym` (lines
 * `labelIdx,witnessIdx,componentIdx,name`; witnessIdx −1 for a signal
 * circom's simplification removed). Every wire must be claimed by exactly
 * one declared signal, and every declared signal must exist in the circuit.
 * Pure.
 * @throws {WitnessLayoutMismatch} naming the first signals that do not match.
 */
export function buildWitnessPlan(values: Pick<WitnessValues, 'declarations' | 'size'>, symText: string, wires: number): WitnessPlan {
  const wireOf = new Map<string, number>()
  for (const line of symText.split('\n')) {
    if (!line) continue
    const first = line.indexOf(',')
    const second = line.indexOf(',', first + 1)
    const third = line.indexOf(',', second + 1)
    if (third < 0) continue
    wireOf.set(line.slice(third + 1), Number(line.slice(first + 1, second)))
  }
  const positionOfWire = new Int32Array(wires).fill(-1)
  const unknown: string[] = []
  for (const declaration of values.declarations) {
    let position = declaration.base
    for (const name of elementNames(declaration)) {
      const wire = wireOf.get(name)
      if (wire === undefined) {
        if (unknown.length < 5) unknown.push(name)
      } else if (wire >= 0) {
        if (wire >= wires) throw new WitnessLayoutMismatch(`${name} is on wire ${wire}, but the circuit has ${wires} wires.`)
        if (positionOfWire[wire] === -1) positionOfWire[wire] = position
      }
      position++
    }
  }
  if (unknown.length > 0) throw new WitnessLayoutMismatch(`the witness mirror declares signals the circuit does not have: ${unknown.join(', ')}`)
  const missing: string[] = []
  const wanted = new Set<number>()
  for (let w = 1; w < wires; w++) if (positionOfWire[w] === -1) wanted.add(w)
  if (wanted.size > 0) {
    for (const [name, wire] of wireOf) if (wanted.has(wire) && missing.length < 5) missing.push(name)
    throw new WitnessLayoutMismatch(`${wanted.size} wire(s) of the circuit are not computed by the witness mirror, e.g. ${missing.join(', ')}`)
  }
  return { wires, positions: values.size, positionOfWire }
}

const HEADER_BYTES = 76
const TWO32 = 4294967296
const P_LIMBS = Uint32Array.from({ length: 8 }, (_, i) => Number((FIELD_ORDER >> BigInt(32 * i)) & 0xffffffffn))
const P_BYTES = Uint8Array.from({ length: 32 }, (_, i) => Number((FIELD_ORDER >> BigInt(8 * i)) & 0xffn)) // little-endian on any host
const LITTLE_ENDIAN = endianness() === 'LE'

/**
 * The `.wtns` bytes (snarkjs's binary witness, version 2: values little-endian
 * in standard form, reduced mod p) of one witness, in wire order through the
 * plan: byte for byte what circom's witness calculator writes.
 * @throws {WitnessLayoutMismatch} when the values were not declared in the plan's layout.
 */
export function writeWtns(values: WitnessValues, plan: WitnessPlan): Uint8Array {
  if (values.size !== plan.positions) {
    throw new WitnessLayoutMismatch(`the witness has ${values.size} signals, its plan ${plan.positions}: the plan belongs to another circuit`)
  }
  const { wires, positionOfWire } = plan
  const bytes = new Uint8Array(HEADER_BYTES + wires * 32)
  const view = new DataView(bytes.buffer)
  bytes.set([0x77, 0x74, 0x6e, 0x73]) // "wtns"
  view.setUint32(4, 2, true)
  view.setUint32(8, 2, true)
  view.setUint32(12, 1, true)
  view.setBigUint64(16, 40n, true)
  view.setUint32(24, 32, true)
  bytes.set(P_BYTES, 28)
  view.setUint32(60, wires, true)
  view.setUint32(64, 2, true)
  view.setBigUint64(68, BigInt(wires) * 32n, true)
  const words = new Uint32Array(bytes.buffer, HEADER_BYTES, wires * 8)
  const small = values.small
  // p − a for 0 < a < 2^53 only changes p's two low limbs and, by a borrow, the third.
  const [p0, p1, p2, p3, p4, p5, p6, p7] = P_LIMBS as unknown as [number, number, number, number, number, number, number, number]
  view.setUint32(HEADER_BYTES, 1, true) // wire 0, the constant 1
  for (let w = 1; w < wires; w++) {
    const v = small[positionOfWire[w]!]!
    if (v === 0) continue // the buffer starts zeroed: most wires are bits
    const at = w * 8
    if (v > 0 && v < TWO32 && LITTLE_ENDIAN) {
      words[at] = v
    } else if (v > 0 && LITTLE_ENDIAN) {
      const lo = v % TWO32
      words[at] = lo
      words[at + 1] = (v - lo) / TWO32
    } else if (v < 0 && LITTLE_ENDIAN) {
      const a = -v
      const lo = a % TWO32
      let d = p0 - lo
      let borrow = d < 0 ? 1 : 0
      words[at] = d + borrow * TWO32
      d = p1 - (a - lo) / TWO32 - borrow
      borrow = d < 0 ? 1 : 0
      words[at + 1] = d + borrow * TWO32
      words[at + 2] = p2 - borrow
      words[at + 3] = p3
      words[at + 4] = p4
      words[at + 5] = p5
      words[at + 6] = p6
      words[at + 7] = p7
    } else {
      // The store holds values in (−p, p).
      let big = Number.isNaN(v) ? values.big.get(positionOfWire[w]!)! : BigInt(v)
      if (big < 0n) big += FIELD_ORDER
      const offset = HEADER_BYTES + w * 32
      view.setBigUint64(offset, BigInt.asUintN(64, big), true)
      view.setBigUint64(offset + 8, BigInt.asUintN(64, big >> 64n), true)
      view.setBigUint64(offset + 16, BigInt.asUintN(64, big >> 128n), true)
      view.setBigUint64(offset + 24, big >> 192n, true)
    }
  }
  return bytes
}
