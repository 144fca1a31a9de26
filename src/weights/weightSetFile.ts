import { readFile, rename, writeFile } from 'node:fs/promises'
import { z } from 'zod'
import { WeightSetError } from '../errors.js'

/**
 * A weight set (`weights.json`): the integer weights of one fixed-point
 * model of an architecture, for a committed-weights build. Integers are
 * decimal strings (exact in JSON). `commitment` is what the circuit proves as
 * `weightsCommitment`; `architecture` is the build's `weights.architecture`.
 */
export const WEIGHT_SET_FORMAT = 'glassbox/weights@1'

const intString = z.string().regex(/^-?\d+$/, 'an integer as a decimal string')

const layerWeights = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('dense'), weight: z.array(intString), bias: z.array(intString) }),
  z.object({ name: z.string(), kind: z.literal('conv'), weight: z.array(intString), bias: z.array(intString) }),
  z.object({ name: z.string(), kind: z.literal('affine'), factor: z.array(intString), offset: z.array(intString) }),
])

export const weightSetSchema = z.object({
  format: z.literal(WEIGHT_SET_FORMAT),
  architecture: z.string().regex(/^[0-9a-f]{64}$/),
  commitment: z.string().regex(/^\d+$/),
  /** Where the weights came from: the ONNX file they were quantized from, or the build itself. */
  source: z.object({ file: z.string(), sha256: z.string().optional() }),
  createdAt: z.string(),
  layers: z.array(layerWeights),
})

export type WeightSet = z.infer<typeof weightSetSchema>
export type LayerWeights = WeightSet['layers'][number]

/**
 * Reads and validates a weight-set file (format only; {@link applyWeightSet}
 * checks it against an architecture).
 * @throws {WeightSetError} when missing, not JSON or not a weight set.
 */
export async function readWeightSet(path: string): Promise<WeightSet> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new WeightSetError(`Cannot read the weight set ${path}.`, { details: 'Make one with `glassbox weights <build> --model model.onnx --out weights.json`.', cause })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new WeightSetError(`${path} is not valid JSON.`, { cause })
  }
  const result = weightSetSchema.safeParse(parsed)
  if (!result.success) {
    throw new WeightSetError(`${path} is not a glassbox weight set.`, {
      details: `${result.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}. Make one with \`glassbox weights\`.`,
    })
  }
  return result.data
}

/** Writes a weight set atomically (temp file + rename). */
export async function writeWeightSet(path: string, set: WeightSet): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(set)}\n`)
  await rename(`${path}.tmp`, path)
}
