/**
 * Real exporter output: tiny CNNs exported by PyTorch's torch.onnx.export
 * (test/fixtures/onnx/export.py, opsets 11, 13 and 17; a tiny encoder with
 * LayerNorm, GELU and a Softmax over tokens) import to the expected
 * IR and compute PyTorch's own outputs (stored next to each model) and
 * onnxruntime's.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { reapplyDroppedOps } from '../../test/support/onnxParity.js'
import { evaluateFloat } from './evaluateFloat.js'
import { importOnnx } from './importOnnx.js'
import { loadOnnx } from './loadOnnx.js'
import { createOnnxReference } from './runOnnxReference.js'

const dir = fileURLToPath(new URL('../../test/fixtures/onnx/', import.meta.url))

type Exported = { model: string; opset: number; inputShape: number[]; cases: { input: number[]; output: number[] }[] }

const expectations: [name: string, kinds: string[], dropped: string[] | undefined][] = [
  // BN1 is fused into conv1 by the exporter; ×3 folds into conv2; Relu → Clip(0, 6) is one clip; BN2 stays an
  // affine (the pool's conv pads, so its shift cannot move into it); Pad → AveragePool is one depthwise conv.
  ['lenet_bn', ['conv', 'relu', 'maxpool', 'conv', 'clip', 'affine', 'conv', 'dense'], ['Softmax']],
  // torch.cat joins three branches; F.pad's Constant arithmetic folds into the strided conv.
  ['branches', ['conv', 'relu', 'conv', 'leakyrelu', 'conv', 'sigmoid', 'maxpool', 'concat', 'conv', 'tanh', 'conv', 'dense'], undefined],
  // count_include_pad=False with ceil_mode: a sum conv and per-position divisors; permute(0, 2, 3, 1) moves data.
  ['pools', ['conv', 'affine', 'conv', 'clip', 'permute', 'dense'], ['LogSoftmax']],
  // Opset 13: LayerNorm's nine-node decomposition and GELU's Erf form are each one op; Softmax over the tokens stays.
  ['encoder', ['dense', 'layernorm', 'gelu', 'dense', 'softmax', 'dense'], undefined],
]

describe.each(expectations)('PyTorch export %s', (name, kinds, dropped) => {
  const exported = JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8')) as Exported

  it('imports to the expected IR', async () => {
    const ir = importOnnx(await loadOnnx(`${dir}${name}.onnx`), { name })
    expect(ir.ops.map((op) => op.kind)).toEqual(kinds)
    expect(ir.droppedOutputOps).toEqual(dropped)
    expect(ir.opsetVersion).toBe(exported.opset)
    expect(ir.input.shape).toEqual(exported.inputShape)
  })

  it("computes PyTorch's and onnxruntime's outputs", async () => {
    const ir = importOnnx(await loadOnnx(`${dir}${name}.onnx`), { name })
    const reference = await createOnnxReference(`${dir}${name}.onnx`)
    try {
      for (const [i, { input, output }] of exported.cases.entries()) {
        const actual = reapplyDroppedOps(evaluateFloat(ir, input).output, ir.droppedOutputOps)
        const fromOrt = await reference.run(input)
        expect(actual).toHaveLength(output.length)
        actual.forEach((v, j) => {
          expect(Math.abs(v - output[j]!), `case ${i} output ${j} vs PyTorch`).toBeLessThan(1e-5)
          expect(Math.abs(v - fromOrt[j]!), `case ${i} output ${j} vs onnxruntime`).toBeLessThan(1e-5)
        })
      }
    } finally {
      await reference.close()
    }
  })
})
