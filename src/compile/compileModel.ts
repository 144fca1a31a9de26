import { mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { Manifest } from '../artifacts/manifest.js'
import { MANIFEST_FORMAT, recordArtifacts, writeManifest } from '../artifacts/manifest.js'
import { sha256File } from '../artifacts/sha256File.js'
import { sha256Tree } from '../artifacts/sha256Tree.js'
import { readInputs } from '../io/readInputs.js'
import type { Logger } from '../logger.js'
import { silentLogger, startTask } from '../logger.js'
import { importOnnx } from '../model/importOnnx.js'
import { shapeSize } from '../model/ir.js'
import { loadOnnx } from '../model/loadOnnx.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import type { QuantizationTarget } from '../quantize/searchQuantization.js'
import { searchQuantization } from '../quantize/searchQuantization.js'
import { GLASSBOX_VERSION } from '../version.js'
import { CompileError, WeightSetError } from '../errors.js'
import { architectureHash } from '../weights/architectureOf.js'
import { commitWeights } from '../weights/commitWeights.js'
import { weightLayout } from '../weights/weightLayout.js'
import type { InputVisibility, WeightVisibility } from './emitCircom.js'
import { emitCircom } from './emitCircom.js'
import { estimateConstraints, totalConstraints } from './estimateConstraints.js'
import { readPublicSignalLayout } from './readPublicSignalLayout.js'
import { readR1csHeader } from './readR1csHeader.js'
import { runCircom } from './runCircom.js'

export type CompileModelParameters = {
  /** The ONNX model file. */
  modelPath: string
  /** The build folder to write (created if needed). */
  outDir: string
  /** JSONL of representative inputs used to choose scales. */
  calibrationPath: string
  /** Model name in the manifest (default: the file's base name). */
  name?: string
  /** Activation bit width B (default 16, or chosen by `target`). */
  bits?: number
  /** Weight bit width (default: B). */
  weightBits?: number
  /** Choose bits and weight bits by search: the fewest constraints meeting this accuracy target. */
  target?: QuantizationTarget
  /** JSONL with labels to score the search on (default: the calibration set). */
  validationPath?: string
  headroomBits?: number
  inputVisibility?: InputVisibility
  /**
   * `constant` (default): weights are circuit constants (no constraint per
   * multiply-accumulate). `committed`: weights are private signals with a
   * public Poseidon commitment, so one circuit and one key serve every weight
   * set of this architecture (one constraint per multiply-accumulate, plus a
   * range check per weight).
   */
  weights?: WeightVisibility
  argmax?: boolean
  /** circom simplification: 2 removes every linear constraint but is slow on big circuits; default: 2 below 30k constraints, else 1. */
  optimization?: 0 | 1 | 2
  /**
   * Also write circom's C++ witness generator (`circuit_cpp/`, same circom run)
   * and record its hash as `artifacts.witnessSource`; the binary is built by
   * src/witness (`ensureNativeWitness`, or in the background). Default false.
   */
  nativeWitness?: boolean
  logger?: Logger
}

export type CompileModelReturnType = { manifest: Manifest; model: FixedPointModel }

/**
 * ONNX model → fixed-point model → circom → R1CS + witness wasm, with a
 * manifest recording shapes, scales, the public-signal layout, constraint
 * counts and the SHA-256 of every artifact.
 *
 * @example
 * const { manifest } = await compileModel({ modelPath: 'examples/iris/model.onnx', outDir: 'build/iris', calibrationPath: 'examples/iris/calibration.jsonl' })
 */
export async function compileModel({
  modelPath,
  outDir,
  calibrationPath,
  name = basename(modelPath, extname(modelPath)),
  bits,
  weightBits,
  target,
  validationPath,
  headroomBits = 1,
  inputVisibility = 'hashed',
  weights = 'constant',
  argmax = true,
  optimization,
  nativeWitness = false,
  logger = silentLogger,
}: CompileModelParameters): Promise<CompileModelReturnType> {
  const paths = buildPaths(outDir)
  const ir = importOnnx(await loadOnnx(modelPath), { name })
  logger.info(`imported ${modelPath}: ${ir.ops.map((op) => op.kind).join(' → ')}`)

  const inputSize = shapeSize(ir.input.shape)
  const calibration = await readInputs(calibrationPath, { expectedLength: inputSize, shapeDescription: `[${ir.input.shape.join(', ')}]` })
  const samples = calibration.map((r) => r.input)
  let model: FixedPointModel
  if (target && bits === undefined) {
    const validation = validationPath
      ? await readInputs(validationPath, { expectedLength: inputSize, shapeDescription: `[${ir.input.shape.join(', ')}]` })
      : calibration
    const searching = startTask(logger, `searching bit widths (--target ${target}, ${validation.length} samples)`)
    const found = searchQuantization(ir, { calibration: samples, validation, target, headroomBits, inputVisibility, argmax, logger })
    searching.end()
    model = found.model
    logger.info(`search (${target}): ${model.bits}-bit activations, ${model.weightBits}-bit weights, ~${found.constraints} constraints, ${(found.agreement * 100).toFixed(2)}% agreement with float on ${validation.length} samples`)
  } else {
    model = quantizeModel(ir, { calibration: samples, bits: bits ?? 16, ...(weightBits ? { weightBits } : {}), headroomBits, logger })
  }
  logger.info(`quantized with ${calibration.length} calibration inputs: ${model.bits}-bit activations, ${model.weightBits}-bit weights, input scale 2^${model.input.scale}`)
  const layout = weightLayout(model)
  if (weights === 'committed' && layout.values === 0) {
    throw new CompileError(`Model "${name}" has no weights to commit.`, {
      details: `Its layers (${model.layers.map((l) => `${l.name}: ${l.kind}`).join(', ')}) have no dense, conv or affine parameters. Compile it with --weights constant.`,
    })
  }
  // Also range-checks every weight and bias against its width (throws naming the layer).
  const commitment = await weightCommitment(model)
  const level = optimization ?? (totalConstraints(estimateConstraints(model, { inputVisibility, argmax, weights })) > 30_000 ? 1 : 2)
  const parts = estimateConstraints(model, { inputVisibility, argmax, weights, optimization: level })

  const source = emitCircom(model, { inputVisibility, argmax, weights, generator: `glassbox ${GLASSBOX_VERSION}` })
  await mkdir(outDir, { recursive: true })
  await writeFile(paths.model, `${JSON.stringify(model)}\n`)
  await writeFile(paths.circom, source)
  // circom takes minutes on a CNN: say how big the circuit will be before it starts, then tick.
  logger.info(`estimated ${totalConstraints(parts)} constraints (--O${level}); compiling with circom…`)
  const circom = startTask(logger, `circom --O${level}`)
  // A native witness left by an earlier compile belongs to another circuit.
  await rm(paths.witnessNative, { recursive: true, force: true })
  await rm(paths.witnessCpp, { recursive: true, force: true })
  await runCircom({ source, outDir, optimization: level, ...(nativeWitness ? { cppDir: paths.witnessCpp } : {}), logger })
  const header = await readR1csHeader(paths.r1cs)
  circom.end(`${header.constraints} constraints, ${header.wires} wires`)

  const nPublic = header.publicOutputs + header.publicInputs
  let manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name,
    glassboxVersion: GLASSBOX_VERSION,
    source: { file: basename(modelPath), sha256: await sha256File(modelPath) },
    createdAt: new Date().toISOString(),
    input: { shape: [...model.input.shape], scale: model.input.scale, bits: model.input.bits, visibility: inputVisibility },
    output: { shape: [...model.output.shape], scale: model.output.scale, visibility: 'public', argmax },
    weights: {
      visibility: weights,
      commitment: commitment.toString(),
      architecture: architectureHash(model),
      ...(weights === 'committed' ? { values: layout.values, elements: layout.elements } : {}),
    },
    bits: model.bits,
    weightBits: model.weightBits,
    droppedOutputOps: model.droppedOutputOps,
    publicSignals: await readPublicSignalLayout(paths.sym, nPublic),
    constraints: { total: header.constraints, optimization: level, layers: parts },
    circuit: { wires: header.wires, publicInputs: header.publicInputs, publicOutputs: header.publicOutputs, privateInputs: header.privateInputs },
    artifacts: {},
  }
  manifest = await recordArtifacts(outDir, manifest, ['model', 'circom', 'r1cs', 'wasm', 'sym'])
  if (nativeWitness) manifest.artifacts.witnessSource = await sha256Tree(paths.witnessCpp)
  await writeManifest(outDir, manifest)
  return { manifest, model }
}

/**
 * Poseidon commitment to the quantized weights and biases, in layer order
 * (the format of src/weights/commitWeights.ts: range-checked values packed
 * 253 bits to a field element, then chained): identifies the exact
 * parameters a circuit was built from, and is the public `weightsCommitment`
 * a committed-weights circuit proves.
 *
 * @throws {CompileError} naming the layer when a weight or bias does not fit its width.
 */
export async function weightCommitment(model: FixedPointModel): Promise<bigint> {
  try {
    return await commitWeights(model)
  } catch (cause) {
    if (cause instanceof WeightSetError) {
      throw new CompileError(cause.shortMessage, { details: `${cause.details ?? ''} Quantize with more --bits or --weight-bits.`.trim(), cause })
    }
    throw cause
  }
}
