import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Bytes, sha256File } from './sha256File.js'

/**
 * SHA-256 of a folder's files (not recursive): of every file's SHA-256 and
 * name, one `hash  name` line each in name order (the `sha256sum` format).
 * Two folders hash alike exactly when they hold the same files. Used for
 * circom's C++ witness source (`artifacts.witnessSource` in the manifest),
 * which names the binary built from it.
 */
export async function sha256Tree(dir: string): Promise<string> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
  names.sort()
  const lines: string[] = []
  for (const name of names) lines.push(`${await sha256File(join(dir, name))}  ${name}`)
  return sha256Bytes(`${lines.join('\n')}\n`)
}
