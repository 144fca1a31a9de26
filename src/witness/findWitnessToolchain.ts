import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The programs that build circom's C++ witness generator. */
export type WitnessToolchain = {
  /** C++ compiler (g++). */
  cxx: string
  /** Assembler for circom's fr.asm (nasm). */
  nasm: string
  /** `g++ -dumpfullversion`, part of the binary cache key. */
  cxxVersion: string
}

export type FindWitnessToolchainParameters = {
  /** Compiler to use (default: `$CXX`, else `g++`). */
  cxx?: string
  /** Assembler to use (default: `nasm`). */
  nasm?: string
}

export type FindWitnessToolchainReturnType = { ok: true; toolchain: WitnessToolchain } | { ok: false; reason: string }

/** What to install when the toolchain is missing (Debian/Ubuntu package names). */
export const WITNESS_TOOLCHAIN_PACKAGES = 'build-essential libgmp-dev nlohmann-json3-dev nasm'

/**
 * Checks that the native witness generator can be built here: a C++ compiler,
 * nasm, and the GMP and nlohmann-json headers (probed by preprocessing a
 * two-line file, which is what the build needs and nothing more).
 *
 * Never throws: a missing toolchain is a normal condition (the wasm witness is
 * the fallback), reported with the reason and the packages to install.
 *
 * @example
 * const found = await findWitnessToolchain()
 * if (!found.ok) logger.warn(found.reason)
 */
export async function findWitnessToolchain({ cxx = process.env.CXX || 'g++', nasm = 'nasm' }: FindWitnessToolchainParameters = {}): Promise<FindWitnessToolchainReturnType> {
  const missing = (what: string) => ({ ok: false as const, reason: `${what}: the native witness needs ${WITNESS_TOOLCHAIN_PACKAGES} (apt-get install -y ${WITNESS_TOOLCHAIN_PACKAGES}).` })
  const version = await output(cxx, ['-dumpfullversion'])
  if (version === undefined) return missing(`no C++ compiler (${cxx})`)
  if ((await output(nasm, ['-v'])) === undefined) return missing(`no assembler (${nasm})`)
  const dir = await mkdtemp(join(tmpdir(), 'glassbox-probe-'))
  try {
    const probe = join(dir, 'probe.cpp')
    await writeFile(probe, '#include <gmp.h>\n#include <nlohmann/json.hpp>\n')
    if ((await output(cxx, ['-std=c++11', '-E', probe, '-o', join(dir, 'probe.ii')])) === undefined) return missing('the GMP or nlohmann-json headers are missing')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return { ok: true, toolchain: { cxx, nasm, cxxVersion: `${cxx} ${version.trim()}` } }
}

function output(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout) => resolve(error ? undefined : stdout))
  })
}
