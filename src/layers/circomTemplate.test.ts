import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CircomTemplate } from './circomTemplate.js'
import { circomTemplate, circomVariable, instantiateTemplate } from './circomTemplate.js'
import { layerTable } from './layerTable.js'

const CIRCUITS = join(import.meta.dirname, '../../circuits')

/** `template Name(a, b, c)` of a circuits/ file, as a parameter list. */
function declaredParameters(template: CircomTemplate): string[] | undefined {
  const source = readFileSync(join(CIRCUITS, template.file), 'utf8')
  const match = new RegExp(`^template ${template.name}\\(([^)]*)\\)`, 'm').exec(source)
  return match ? match[1]!.split(',').map((p) => p.trim()).filter(Boolean) : undefined
}

describe('circom templates of the layer kinds', () => {
  const templates = Object.values(layerTable).flatMap((kind) => [...kind.templates, kind.weights?.committedTemplate]).filter((t): t is CircomTemplate => t !== undefined)

  it.each(templates.map((t) => [t.name, t] as const))('%s is declared with the parameters circuits/ defines, in order', (_, template) => {
    expect(declaredParameters(template)).toEqual([...template.parameters])
  })

  it('instantiates by name, in declaration order, arrays as [a,b] and variables by name', () => {
    const t = circomTemplate('T', 'glassbox.circom', ['n', 'W', 'xs', 'c'])
    expect(instantiateTemplate(t, { xs: [1, -2n, '3'], c: '-7', W: circomVariable('layer0W'), n: 4 })).toBe('T(4, layer0W, [1,-2,3], -7)')
  })
})
