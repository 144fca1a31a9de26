import { stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import type { Argv } from 'yargs'
import { readFile } from 'node:fs/promises'
import { buildPaths } from '../../artifacts/buildPaths.js'
import { readManifest } from '../../artifacts/manifest.js'
import { layerKindOf } from '../../layers/layerTable.js'
import { weightArraysOf } from '../../layers/weightFields.js'
import { parseFixedPointModel } from '../../quantize/fixedPointModel.js'
import { importOnnx } from '../../model/importOnnx.js'
import { opInputs } from '../../model/ir.js'
import { loadOnnx } from '../../model/loadOnnx.js'
import type { GlobalOptions } from '../globalOptions.js'
import { printResult, table } from '../output.js'

export function inspectCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'inspect <target>',
    'Show an ONNX model (ops, shapes, parameters) or a build folder (scales, constraints, signals)',
    (y) => y.positional('target', { type: 'string', demandOption: true, describe: 'model.onnx or a build folder' }),
    async (argv) => {
      if ((await stat(argv.target).catch(() => undefined))?.isDirectory()) {
        const manifest = await readManifest(argv.target)
        const modelPath = buildPaths(argv.target).model
        const model = parseFixedPointModel(JSON.parse(await readFile(modelPath, 'utf8')), modelPath)
        const byName = new Map(model.layers.map((l) => [l.name, l]))
        const committed = manifest.weights.visibility === 'committed'
        const rows = manifest.constraints.layers.map((part) => {
          const layer = byName.get(part.name)
          const weights = layer && weightArraysOf(layer)
          const params = !layer ? '' : weights ? weights.multiplier.length + weights.addend.length : 0
          const shape = !layer ? '' : (layerKindOf(layer).outputShape?.(layer)?.join('×') ?? String(part.outputs))
          const fixed = !layer ? '' : `2^${layer.scale}, ${layer.bits} b${'shift' in layer ? `, >>${layer.shift}` : ''}`
          return [part.name, part.kind, shape, fixed, params, ...(committed ? [part.macs ?? ''] : []), part.constraints]
        })
        printResult(argv.json, { manifest, layers: model.layers.map(({ name, kind, scale, bits }) => ({ name, kind, scale, bits })) }, () =>
          [
            `${manifest.name}: ${manifest.bits}-bit activations, ${manifest.weightBits}-bit weights; input [${manifest.input.shape.join(', ')}] at 2^${manifest.input.scale} (${manifest.input.visibility}), output [${manifest.output.shape.join(', ')}] at 2^${manifest.output.scale}${manifest.droppedOutputOps.length ? ` (dropped at the output: ${manifest.droppedOutputOps.join(', ')})` : ''}`,
            table(['part', 'kind', 'output', 'fixed point', 'params', ...(committed ? ['MACs'] : []), manifest.constraints.optimization === 2 ? 'constraints' : 'constraints (O1)'], rows),
            `total: ${manifest.constraints.total} constraints (--O${manifest.constraints.optimization}), ${manifest.circuit.wires} wires`,
            `public signals: ${manifest.publicSignals.map((s) => `${s.index}:${s.signal.replace('main.', '')}`).join(' ')}`,
            ...manifest.publicSignals.flatMap(({ signal, packing: p }) =>
              p ? [`  ${signal.replace('main.', '')} = out[${p.first}..${p.first + p.count}) at ${p.bits} bits each (offset 2^${p.bits - 1}, lowest first)${p.class ? ` + class in ${p.classBits} bits` : ''}`] : []),
            ...(manifest.input.salted ? ['input hash: optionally salted (a private salt input; salt 0 is the unsalted hash)'] : []),
            committed
              ? `weights: committed (private signals, ${manifest.weights.values} values in ${manifest.weights.elements} packed elements; 1 constraint per MAC, ${rows.reduce((n, r) => n + Number(r[5] || 0), 0)} MACs); public weightsCommitment of this build's weights: ${manifest.weights.commitment}`
              : `weights: constant; commitment (Poseidon): ${manifest.weights.commitment}`,
            manifest.setup ? `keys: powers of tau 2^${manifest.setup.ptau.power} (${manifest.setup.ptau.source}${manifest.setup.ptau.insecure ? ', INSECURE' : ''})` : 'keys: none yet (run glassbox setup)',
          ].join('\n'),
        )
        return
      }
      const ir = importOnnx(await loadOnnx(argv.target), { name: basename(argv.target, extname(argv.target)) })
      const rows = ir.ops.map((op) => {
        const params = op.kind === 'dense' || op.kind === 'conv' ? op.weight.length + op.bias.length : op.kind === 'affine' ? op.scale.length + op.shift.length : 0
        const input = opInputs(op)[0]!
        return [op.name, op.kind, `[${(ir.tensors[input] ?? []).join(',')}]`, `[${(ir.tensors[op.output] ?? []).join(',')}]`, params]
      })
      const total = rows.reduce((a, r) => a + Number(r[4]), 0)
      printResult(argv.json, { name: ir.name, input: ir.input, output: ir.output, ops: ir.ops.map((o) => ({ name: o.name, kind: o.kind, inputs: opInputs(o), output: o.output })) }, () =>
        [`${ir.name} (${ir.producer}, opset ${ir.opsetVersion}): input ${ir.input.name} [${ir.input.shape.join(', ')}] → output ${ir.output.name} [${ir.output.shape.join(', ')}]`, table(['op', 'kind', 'in', 'out', 'params'], rows), `${total} parameters`].join('\n'),
      )
    },
  )
}
