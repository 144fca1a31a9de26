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
import type { InputVisibility } from './emitCircom.js'
import { emitCircom } from './emitCircom.js'
import { estimateConstraints, totalConstraints } from './estimateConstraints.js'
import { poseidonChain } from './poseidonChain.js'
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
  const level = optimization ?? (totalConstraints(estimateConstraints(model, { inputVisibility, argmax })) > 30_000 ? 1 : 2)
  const parts = estimateConstraints(model, { inputVisibility, argmax, optimization: level })

  const source = emitCircom(model, { inputVisibility, argmax, generator: `glassbox ${GLASSBOX_VERSION}` })
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
    weights: { visibility: 'constant', commitment: (await weightCommitment(model)).toString() },
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
 * Poseidon commitment to the quantized weights and biases, in layer order:
 * identifies the exact parameters a circuit was built from.
 */
export async function weightCommitment(model: FixedPointModel): Promise<bigint> {
  const values: bigint[] = []
  for (const layer of model.layers) {
    if (layer.kind === 'dense' || layer.kind === 'conv') values.push(...layer.weight.map(BigInt), ...layer.bias.map(BigInt))
    else if (layer.kind === 'affine') values.push(...layer.factor.map(BigInt), ...layer.offset.map(BigInt))
    else if (layer.kind === 'pwl') values.push(BigInt(layer.base), ...layer.knots.map(BigInt), ...layer.hinges.map(BigInt))
  }
  return values.length ? poseidonChain(values) : 0n
}
