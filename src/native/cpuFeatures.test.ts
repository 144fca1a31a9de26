import { describe, expect, it } from 'vitest'
import { cpuFlags, missingCpuFeatures } from './cpuFeatures.js'

const ZEN = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 bmi1 bmi2 adx sha_ni\n\nprocessor\t: 1\nflags\t\t: fpu sse2 avx2 bmi1 bmi2 adx sha_ni\n'
const OLD = 'processor\t: 0\nflags\t\t: fpu sse2 sse4_2 popcnt\n'

describe('missingCpuFeatures', () => {
  it('reads the flags line of /proc/cpuinfo', () => {
    expect(cpuFlags(ZEN)).toEqual(new Set(['fpu', 'sse2', 'avx2', 'bmi1', 'bmi2', 'adx', 'sha_ni']))
    expect(cpuFlags('nothing here')).toEqual(new Set())
  })

  it('names the features the addon needs that the CPU lacks', () => {
    expect(missingCpuFeatures(['bmi2', 'adx'], ZEN)).toEqual([])
    expect(missingCpuFeatures(['bmi2', 'adx'], OLD)).toEqual(['bmi2', 'adx'])
  })

  it('reports nothing when the addon needs nothing or the flags cannot be read', () => {
    expect(missingCpuFeatures([], OLD)).toEqual([])
    expect(missingCpuFeatures(['bmi2'], 'processor\t: 0\n')).toEqual([])
  })
})
