import { describe, expect, it } from 'vitest'
import { splitCircuitCpp } from './splitCircuitCpp.js'

// The shape of circom 2.2's circuit.cpp, in miniature.
const CIRCUIT_CPP = [
  '#include <stdio.h>',
  '#include "circom.hpp"',
  '#include "calcwit.hpp"',
  'void A_0_create(uint soffset,uint coffset,Circom_CalcWit* ctx,std::string componentName,uint componentFather);',
  'void A_0_run(uint ctx_index,Circom_CalcWit* ctx);',
  'void F_1(Circom_CalcWit* ctx,FrElement* lvar,uint componentFather,FrElement* destination,int destination_size);',
  'Circom_TemplateFunction _functionTable[1] = { ',
  'A_0_run };',
  'Circom_TemplateFunction _functionTableParallel[1] = { ',
  'NULL };',
  'uint get_main_input_signal_start() {return 1;}',
  '',
  'void release_memory_component(Circom_CalcWit* ctx, uint pos) {{',
  'if (pos != 0){{',
  '}}',
  '}}',
  '',
  '// function declarations',
  'void F_1(Circom_CalcWit* ctx,FrElement* lvar,uint componentFather,FrElement* destination,int destination_size){',
  'std::string myTemplateName = "F{";',
  'if(x){',
  '}',
  '}',
  '',
  'void A_0_create(uint soffset,uint coffset,Circom_CalcWit* ctx,std::string componentName,uint componentFather){',
  'ctx->componentMemory[coffset].templateName = "A";',
  '}',
  '',
  'void A_0_run(uint ctx_index,Circom_CalcWit* ctx){',
  'for (uint i = 0; i < 6; i++){',
  '}',
  '}',
  '',
  'void run(Circom_CalcWit* ctx){',
  'A_0_create(1,0,ctx,"main",0);',
  'A_0_run(0,ctx);',
  '}',
  '',
].join('\n')

describe('splitCircuitCpp', () => {
  it('keeps one unit when asked for one', () => {
    expect(splitCircuitCpp(CIRCUIT_CPP, 1)).toEqual([CIRCUIT_CPP])
  })

  it('cuts between top-level definitions; later units declare the tables extern', () => {
    const units = splitCircuitCpp(CIRCUIT_CPP, 3)
    expect(units.length).toBeGreaterThan(1)
    expect(units.length).toBeLessThanOrEqual(3)
    // Unit 0 is the original prelude (tables, getters) plus the first definitions.
    expect(units[0]).toContain('Circom_TemplateFunction _functionTable[1] = {')
    expect(units[0]).toContain('uint get_main_input_signal_start() {return 1;}')
    for (const unit of units.slice(1)) {
      expect(unit).toContain('extern Circom_TemplateFunction _functionTable[1];')
      expect(unit).toContain('extern Circom_TemplateFunction _functionTableParallel[1];')
      expect(unit).toContain('void release_memory_component(Circom_CalcWit* ctx, uint pos);')
      expect(unit).toContain('void A_0_run(uint ctx_index,Circom_CalcWit* ctx);')
      expect(unit).not.toContain('= { ')
    }
    // Every definition lands in exactly one unit, whole, in order: the units minus their preludes are the file.
    const endOfPrelude = 'void release_memory_component(Circom_CalcWit* ctx, uint pos);\n'
    const bodies = units.map((u, i) => (i === 0 ? u : u.slice(u.indexOf(endOfPrelude) + endOfPrelude.length)))
    expect(bodies.join('\n').replace(/\n+/g, '\n')).toBe(CIRCUIT_CPP.replace(/\n+/g, '\n'))
  })

  it('never splits inside a definition, even with braces in strings', () => {
    for (const parts of [2, 3, 4, 8]) {
      for (const unit of splitCircuitCpp(CIRCUIT_CPP, parts)) {
        const code = unit.replace(/"(\\.|[^"\\])*"/g, '""')
        expect(code.split('{').length).toBe(code.split('}').length)
      }
    }
  })

  it('returns the file whole when its layout is unexpected', () => {
    const other = 'int main() {\n  return 0;\n}\n'
    expect(splitCircuitCpp(other, 4)).toEqual([other])
    const unbalanced = CIRCUIT_CPP.replace('void A_0_run(uint ctx_index,Circom_CalcWit* ctx){', 'void A_0_run(uint ctx_index,Circom_CalcWit* ctx){{')
    expect(splitCircuitCpp(unbalanced, 4)).toEqual([unbalanced])
  })
})
