import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { RangeOverflowError, WeightSetError } from '../errors.js'
import { readInputs } from '../io/readInputs.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { importOnnx } from '../model/importOnnx.js'
import { loadOnnx } from '../model/loadOnnx.js'
import { evaluateFixed } from '../quantize/evaluateFixed.js'
import { parseFixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeInput } from '../quantize/quantizeInput.js'
import { extractWeightSet } from './extractWeightSet.js'
import { quantizeWeightSet } from './quantizeWeightSet.js'
import type { WeightSet } from './weightSetFile.js'
import { writeWeightSet } from './weightSetFile.js'

export type MakeWeightSetParameters = {
  /** A build compiled with `--weights committed` (the architecture). */
  buildDir: string
  /** The ONNX model whose weights to take (a fine-tune of the build's model); default: the build's own weights. */
  modelPath?: string
  /** Where to write the weight set (JSON). */
  outPath: string
  /** JSONL of inputs to check the new weights on: each must evaluate without leaving the architecture's ranges. */
  calibrationPath?: string
  logger?: Logger
}

export type MakeWeightSetReturnType = { set: WeightSet; outPath: string; checkedInputs: number }

/**
 * Writes a weight-set file for an existing committed-weights build: the
 * weights of `modelPath` quantized at the build's scales (or the build's own
 * weights), with their Poseidon commitment. `glassbox prove --weights` and
 * `glassbox run --weights` use it with the build's circuit and keys.
 *
 * @throws {WeightSetError} when the model's architecture differs from the build's (listing what differs), a weight no longer fits, or a check input overflows.
 * @example
 * await makeWeightSet({ buildDir: 'build/iris', modelPath: 'iris-finetuned.onnx', outPath: 'finetuned.weights.json' })
 */
export async function makeWeightSet({ buildDir, modelPath, outPath, calibrationPath, logger = silentLogger }: MakeWeightSetParameters): Promise<MakeWeightSetReturnType> {
  const manifest = await readManifest(buildDir)
  if (manifest.weights.visibility !== 'committed') {
    throw new WeightSetError(`Build "${manifest.name}" has constant weights: weight sets are for committed-weights builds.`, {
      details: 'Compile the model with `glassbox compile … --weights committed` first.',
    })
  }
  await verifyArtifacts(buildDir, manifest, ['model'])
  const path = buildPaths(buildDir).model
  const architecture = parseFixedPointModel(JSON.parse(await readFile(path, 'utf8')), path)
  let model = architecture
  let source: WeightSet['source'] = { file: `${manifest.name} (the build's own weights)` }
  if (modelPath) {
    const ir = importOnnx(await loadOnnx(modelPath), { name: basename(modelPath, extname(modelPath)) })
    model = quantizeWeightSet(ir, architecture)
    source = { file: basename(modelPath), sha256: await sha256File(modelPath) }
    logger.info(`quantized the weights of ${modelPath} at the scales of ${buildDir}`)
  }
  let checkedInputs = 0
  if (calibrationPath) {
    const inputs = await readInputs(calibrationPath, { expectedLength: model.input.shape.reduce((a, b) => a * b, 1), shapeDescription: `[${model.input.shape.join(', ')}]` })
    for (const { id, input, lineNumber } of inputs) {
      try {
        evaluateFixed(model, quantizeInput(model, input))
      } catch (cause) {
        if (!(cause instanceof RangeOverflowError)) throw cause
        throw new WeightSetError(`With these weights, ${calibrationPath}:${lineNumber} (id "${id}") leaves the architecture's range.`, {
          details: `${cause.shortMessage} The build's scales were calibrated for its own weights; compile the new model as its own build instead.`,
          cause,
        })
      }
      checkedInputs++
    }
    logger.info(`checked ${checkedInputs} inputs: all stay within the architecture's ranges`)
  }
  const set = await extractWeightSet(model, { source })
  await writeWeightSet(outPath, set)
  return { set, outPath, checkedInputs }
}
