import { open } from 'node:fs/promises'
import { SetupError } from '../errors.js'

export type PtauHeader = { power: number; ceremonyPower: number; sections: number[] }

/** Reads a snarkjs `.ptau` file's header: its power and which sections it holds. */
export async function readPtauHeader(path: string): Promise<PtauHeader> {
  let file
  try {
    file = await open(path, 'r')
  } catch (cause) {
    throw new SetupError(`Cannot open powers-of-tau file ${path}.`, { details: 'Check the --ptau path.', cause })
  }
  try {
    const { size } = await file.stat()
    const head = Buffer.alloc(12)
    await file.read(head, 0, 12, 0)
    if (head.toString('latin1', 0, 4) !== 'ptau') {
      throw new SetupError(`${path} is not a powers-of-tau (.ptau) file.`, { details: 'Pass a .ptau file from a ceremony (snarkjs format), or use --dev-ptau.' })
    }
    const count = head.readUInt32LE(8)
    const sections: number[] = []
    let power = -1
    let ceremonyPower = -1
    let offset = 12
    for (let s = 0; s < count && offset + 12 <= size; s++) {
      const sectionHead = Buffer.alloc(12)
      await file.read(sectionHead, 0, 12, offset)
      const type = sectionHead.readUInt32LE(0)
      const length = Number(sectionHead.readBigUInt64LE(4))
      sections.push(type)
      if (type === 1) {
        const body = Buffer.alloc(Math.min(length, 64))
        await file.read(body, 0, body.length, offset + 12)
        const n8 = body.readUInt32LE(0)
        power = body.readUInt32LE(4 + n8)
        ceremonyPower = body.readUInt32LE(8 + n8)
      }
      offset += 12 + length
    }
    if (offset > size) throw new SetupError(`${path} is truncated.`, { details: 'Download or copy the .ptau file again.' })
    if (power < 0) throw new SetupError(`${path} has no header section.`)
    return { power, ceremonyPower, sections }
  } finally {
    await file.close()
  }
}
