import { open } from 'node:fs/promises'
import { CompileError } from '../errors.js'

export type R1csHeader = {
  prime: bigint
  wires: number
  publicOutputs: number
  publicInputs: number
  privateInputs: number
  labels: number
  constraints: number
}

/**
 * Reads the header section of a circom `.r1cs` file (format "r1cs" v1):
 * sizes of the circuit without loading its constraints.
 */
export async function readR1csHeader(path: string): Promise<R1csHeader> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const head = Buffer.alloc(12)
    await file.read(head, 0, 12, 0)
    if (head.toString('latin1', 0, 4) !== 'r1cs') throw new CompileError(`${path} is not an R1CS file.`)
    const sections = head.readUInt32LE(8)
    let offset = 12
    for (let s = 0; s < sections && offset < size; s++) {
      const sectionHead = Buffer.alloc(12)
      await file.read(sectionHead, 0, 12, offset)
      const type = sectionHead.readUInt32LE(0)
      const length = Number(sectionHead.readBigUInt64LE(4))
      offset += 12
      if (type === 1) {
        const body = Buffer.alloc(length)
        await file.read(body, 0, length, offset)
        const n8 = body.readUInt32LE(0)
        let prime = 0n
        for (let i = n8 - 1; i >= 0; i--) prime = (prime << 8n) | BigInt(body[4 + i]!)
        const at = 4 + n8
        return {
          prime,
          wires: body.readUInt32LE(at),
          publicOutputs: body.readUInt32LE(at + 4),
          publicInputs: body.readUInt32LE(at + 8),
          privateInputs: body.readUInt32LE(at + 12),
          labels: Number(body.readBigUInt64LE(at + 16)),
          constraints: body.readUInt32LE(at + 24),
        }
      }
      offset += length
    }
    throw new CompileError(`${path} has no R1CS header section.`)
  } finally {
    await file.close()
  }
}
