import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Bytes, sha256File } from '../artifacts/sha256File.js'

/**
 * SHA-256 of circom's C++ witness source folder: of every file's name and
 * SHA-256, in name order. Two folders hash alike exactly when they hold the
 * same files, so this names the binary they build (with the build recipe) in
 * the cache, and the manifest records it as `artifacts.witnessSource`.
 */
export async function hashWitnessSource(cppDir: string): Promise<string> {
  const entries = (await readdir(cppDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
  entries.sort()
  const lines: string[] = []
  for (const name of entries) lines.push(`${await sha256File(join(cppDir, name))}  ${name}`)
  return sha256Bytes(`${lines.join('\n')}\n`)
}
