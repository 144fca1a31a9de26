import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PACKAGE_ROOT, packagePath } from './packageRoot.js'
import { GLASSBOX_VERSION } from './version.js'

describe('PACKAGE_ROOT', () => {
  it("is the folder of glassbox's own package.json, with the files the stages read from it", () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string }
    expect(manifest.name).toBe('glassbox')
    expect(GLASSBOX_VERSION).toBe(manifest.version)
    expect(packagePath('circuits', 'glassbox.circom')).toBe(join(PACKAGE_ROOT, 'circuits', 'glassbox.circom'))
    expect(readFileSync(packagePath('circuits', 'glassbox.circom'), 'utf8')).toMatch(/pragma circom/)
  })
})
