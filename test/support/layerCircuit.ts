/**
 * Compiles what one layer kind emits for one layer as the whole circuit
 * (`in` → the layer → `out`), so a test can hold its circuit against its
 * integer evaluator and its constraint count, without the rest of a model.
 */
import type { LayerBase, LayerKind } from '../../src/layers/layerKind.js'
import type { CircuitTester } from './circuitTester.js'
import { compileTestCircuit } from './circuitTester.js'

export type LayerCircuitParameters<L extends LayerBase> = {
  kind: Pick<LayerKind<L>, 'emit' | 'templates' | 'outputSize'>
  layer: L
  /** The input's size (the layer reads one tensor). */
  inputSize: number
  optimization?: 1 | 2
}

export async function compileLayerCircuit<L extends LayerBase>({ kind, layer, inputSize, optimization = 2 }: LayerCircuitParameters<L>): Promise<CircuitTester> {
  const functions: string[] = []
  const body = kind.emit(layer, { component: 'layer0', sources: ['in'], target: 'out', addFunctions: (lines) => functions.push(...lines) })
  const files = [...new Set(kind.templates.map((t) => t.file))]
  const source = [
    'pragma circom 2.1.0;',
    ...files.map((f) => `include "${f}";`),
    ...functions,
    'template LayerUnderTest() {',
    `    signal input in[${inputSize}];`,
    `    signal output out[${kind.outputSize(layer)}];`,
    ...body,
    '}',
    'component main = LayerUnderTest();',
    '',
  ].join('\n')
  return compileTestCircuit(source, { optimization })
}
