import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ArtifactError } from '../errors.js'
import type { ArtifactName } from './buildPaths.js'
import { ARTIFACT_FILES, buildPaths } from './buildPaths.js'
import { sha256File } from './sha256File.js'

export const MANIFEST_FORMAT = 'glassbox/manifest@1'

/**
 * What one `packedOutputs` word holds (see src/artifacts/publicSignalCodec.ts): outputs
 * `first … first+count−1`, each `bits` wide and offset by 2^(bits−1), lowest first, then the
 * class in `classBits` bits when `class` is true.
 */
const outputPacking = z.object({
  first: z.number().int().nonnegative(),
  count: z.number().int().positive(),
  bits: z.number().int().min(1).max(252),
  class: z.boolean(),
  classBits: z.number().int().nonnegative(),
})

const publicSignal = z.object({
  /** Position in snarkjs's publicSignals array. */
  index: z.number().int().nonnegative(),
  /**
   * What it is: an output value, the predicted class, a word of packed outputs (and class), the input hash, the
   * weight commitment (committed weights), an input value, the prover.
   */
  role: z.enum(['output', 'class', 'packedOutputs', 'inputHash', 'weightsCommitment', 'input', 'prover']),
  /** The circom signal name, e.g. main.out[2]. */
  signal: z.string(),
  /** Position within its role (output k, input k, word k). */
  position: z.number().int().nonnegative(),
  /** For `packedOutputs`: what the word holds. */
  packing: outputPacking.optional(),
})

const setupContribution = z.object({
  /** The contributor's name (`--name`), empty when none was given. */
  name: z.string(),
  /** The contribution hash snarkjs prints (its 16 groups of 8 hex digits, joined), 128 hex digits. */
  hash: z.string().regex(/^[0-9a-f]{128}$/),
  type: z.enum(['contribution', 'beacon']),
  /** A beacon's public randomness (hex) and iteration exponent (2^iterationsExp hashes). */
  beacon: z.object({ hash: z.string().regex(/^[0-9a-f]+$/), iterationsExp: z.number().int() }).optional(),
})

const layerReport = z.object({ name: z.string(), kind: z.string(), outputs: z.number().int(), constraints: z.number().int(), macs: z.number().int().optional() })

/**
 * `constant`: weights baked into the circuit; `commitment` records them.
 * `committed`: weights are private signals and `commitment` (the build's own
 * weight set) is proven as the public signal with role `weightsCommitment`;
 * any weight set of the same `architecture` proves with the same keys.
 * `commitment` is a decimal BN254 field element (see src/weights/commitWeights.ts).
 */
const weights = z.object({
  visibility: z.enum(['constant', 'committed']),
  commitment: z.string().regex(/^\d+$/),
  /** SHA-256 of the architecture (the fixed-point model without its weight values); weight-set files name it. */
  architecture: z.string().optional(),
  /** Committed values and the packed field elements their commitment hashes. */
  values: z.number().int().nonnegative().optional(),
  elements: z.number().int().nonnegative().optional(),
})

/** Fixed point against float on a data set (see quantize/accuracyReport). */
const accuracyOnSet = z.object({
  samples: z.number().int().nonnegative(),
  /** Inputs where fixed point picks the float model's class. */
  agreed: z.number().int().nonnegative(),
  top1Agreement: z.number(),
  floatAccuracy: z.number().nullable(),
  fixedAccuracy: z.number().nullable(),
  maxAbsError: z.number(),
  /** Inputs fixed point cannot evaluate (out of range: no proof possible); counted as disagreeing. */
  overflows: z.number().int().nonnegative(),
})

/** How well the compiled fixed point agrees with the float model, measured at compile time. */
export const accuracySchema = z.object({
  calibration: accuracyOnSet,
  validation: accuracyOnSet.extend({ file: z.string() }).optional(),
  /** With --target: what the bit-width search judged its candidates on. */
  search: z
    .object({
      target: z.enum(['accuracy', 'resources']),
      judgedOn: z.enum(['validation', 'held-out', 'calibration']),
      samples: z.number().int().nonnegative(),
      calibratedOn: z.number().int().nonnegative(),
      agreement: z.number(),
      candidates: z.number().int().nonnegative(),
    })
    .optional(),
  /** Set when agreement is below 99% on the validation set (or, without one, the calibration set). */
  warning: z.string().optional(),
})
export type CompileAccuracy = z.infer<typeof accuracySchema>

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  name: z.string(),
  glassboxVersion: z.string(),
  source: z.object({ file: z.string(), sha256: z.string() }),
  createdAt: z.string(),
  input: z.object({
    shape: z.array(z.number().int()),
    /** The coarsest input scale; with `featureScales`, value i is at 2^featureScales[i] (see the fixed-point model). */
    scale: z.number().int(),
    featureScales: z.array(z.number().int()).optional(),
    bits: z.number().int(),
    visibility: z.enum(['hashed', 'public', 'private']),
    /** The circuit takes a private `salt`: its input hash is Poseidon(h, salt) for salt ≠ 0, h for salt = 0 (absent: no salt, older builds). */
    salted: z.boolean().optional(),
  }),
  output: z.object({ shape: z.array(z.number().int()), scale: z.number().int(), visibility: z.literal('public'), argmax: z.boolean() }),
  weights,
  bits: z.number().int(),
  weightBits: z.number().int(),
  /** ONNX ops dropped at the output (a final Softmax: the argmax is unchanged). */
  droppedOutputOps: z.array(z.string()),
  publicSignals: z.array(publicSignal),
  constraints: z.object({ total: z.number().int(), optimization: z.number().int(), layers: z.array(layerReport) }),
  accuracy: accuracySchema.optional(),
  circuit: z.object({ wires: z.number().int(), publicInputs: z.number().int(), publicOutputs: z.number().int(), privateInputs: z.number().int() }),
  setup: z
    .object({
      ptau: z.object({
        power: z.number().int(),
        sha256: z.string(),
        source: z.enum(['dev', 'imported']),
        insecure: z.boolean(),
        /** Where the ptau was read at setup (absolute), so `glassbox setup verify` can find it again. */
        file: z.string().optional(),
      }),
      createdAt: z.string(),
      /** snarkjs's circuit hash of the key (BLAKE2b-512, hex), as `snarkjs zkey verify` prints it. */
      circuitHash: z.string().regex(/^[0-9a-f]{128}$/).optional(),
      /** The phase-2 contributions in the key, oldest first (the first is setup's own). */
      contributions: z.array(setupContribution).optional(),
      /** SHA-256 (hex) of the contribution hashes' 64-byte values concatenated in order: the transcript, in one value to record on-chain. */
      transcriptSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    })
    .optional(),
  /** SHA-256 (hex) of every artifact in the folder, by name. */
  artifacts: z.record(z.string(), z.string()),
})

export type Manifest = z.infer<typeof manifestSchema>
export type PublicSignalLayout = Manifest['publicSignals']
export type OutputPacking = z.infer<typeof outputPacking>

/**
 * Reads and validates `manifest.json` of a build folder.
 * @throws {ArtifactError} when missing or malformed.
 */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = buildPaths(dir).manifest
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ArtifactError(`No manifest at ${path}.`, {
      details: `"${dir}" is not a glassbox build folder. Create one with \`glassbox compile model.onnx --out ${dir}\`.`,
      cause,
    })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (cause) {
    throw new ArtifactError(`${path} is not valid JSON.`, { details: 'Recompile the model.', cause })
  }
  const result = manifestSchema.safeParse(parsed)
  if (!result.success) {
    throw new ArtifactError(`${path} is not a valid glassbox manifest.`, {
      details: `${result.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Recompile the model.`,
    })
  }
  return result.data
}

/** Writes the manifest atomically (temp file + rename), so a crash never leaves half a manifest. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const path = buildPaths(dir).manifest
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`)
  await rename(`${path}.tmp`, path)
}

/** Hashes artifacts and records them in the manifest (returns a new manifest). */
export async function recordArtifacts(dir: string, manifest: Manifest, names: readonly ArtifactName[]): Promise<Manifest> {
  const artifacts = { ...manifest.artifacts }
  for (const name of names) artifacts[name] = await sha256File(join(dir, ARTIFACT_FILES[name]))
  return { ...manifest, artifacts }
}

/**
 * Checks artifacts against the hashes in the manifest before they are used.
 * @throws {ArtifactError} naming the file when one is missing, unrecorded or changed.
 */
export async function verifyArtifacts(dir: string, manifest: Manifest, names: readonly ArtifactName[]): Promise<void> {
  for (const name of names) {
    const file = join(dir, ARTIFACT_FILES[name])
    const expected = manifest.artifacts[name]
    if (!expected) {
      const step = name === 'zkey' || name === 'verificationKey' || name === 'verifier' ? `glassbox setup ${dir}` : `glassbox compile … --out ${dir}`
      throw new ArtifactError(`${file} is not recorded in the manifest.`, { details: `Run \`${step}\` first.` })
    }
    let actual: string
    try {
      actual = await sha256File(file)
    } catch (cause) {
      throw new ArtifactError(`Missing artifact ${file}.`, { details: 'Recompile or rerun setup to recreate it.', cause })
    }
    if (actual !== expected) {
      throw new ArtifactError(`${file} does not match its hash in the manifest.`, {
        details: `Expected SHA-256 ${expected}, found ${actual}. The file was changed or belongs to another build; rerun \`glassbox setup ${dir}\` (for keys) or recompile.`,
      })
    }
  }
}
