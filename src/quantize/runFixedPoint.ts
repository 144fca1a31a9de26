import { readFile, writeFile } from 'node:fs/promises'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { GlassboxError } from '../errors.js'
import { readInputs } from '../io/readInputs.js'
import { evaluateFixed } from './evaluateFixed.js'
import { parseFixedPointModel } from './fixedPointModel.js'
import { withWeightSet } from '../weights/withWeightSet.js'
import { dequantize, quantizeInput } from './quantizeInput.js'

export type RunOutput = { id: string; output: number[]; outputQ: string[]; class: number }

export type RunFixedPointParameters = {
  buildDir: string
  inputsPath: string
  outPath?: string
  /** A weight-set file to run with (committed-weights builds; default: the build's own weights). */
  weightsPath?: string
}

/**
 * Fixed-point inference without proofs (`glassbox run`): exactly the values a
 * proof of the same input would prove, in milliseconds.
 *
 * @returns One output per input line; also written as JSONL to `outPath` when given.
 */
export async function runFixedPoint({ buildDir, inputsPath, outPath, weightsPath }: RunFixedPointParameters): Promise<RunOutput[]> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['model'])
  const path = buildPaths(buildDir).model
  const built = parseFixedPointModel(JSON.parse(await readFile(path, 'utf8')), path)
  const model = weightsPath ? (await withWeightSet(manifest, built, weightsPath)).model : built
  const size = model.input.shape.reduce((a, b) => a * b, 1)
  const inputs = await readInputs(inputsPath, { expectedLength: size, shapeDescription: `[${model.input.shape.join(', ')}]` })
  const outputs = inputs.map(({ id, input, lineNumber }) => {
    try {
      const { outputQ, argmax } = evaluateFixed(model, quantizeInput(model, input))
      return { id, output: dequantize(outputQ, model.output.scale), outputQ: outputQ.map(String), class: argmax }
    } catch (error) {
      if (error instanceof GlassboxError) throw withLocation(error, `${inputsPath}:${lineNumber} (id "${id}")`)
      throw error
    }
  })
  if (outPath) await writeFile(outPath, outputs.map((o) => JSON.stringify(o)).join('\n') + (outputs.length ? '\n' : ''))
  return outputs
}

/** The same error, its message prefixed with where in the inputs file it happened. */
function withLocation(error: GlassboxError, where: string): GlassboxError {
  const Kind = error.constructor as new (message: string, parameters: { details?: string; cause?: unknown }) => GlassboxError
  return new Kind(`${where}: ${error.shortMessage}`, { ...(error.details ? { details: error.details } : {}), cause: error })
}
