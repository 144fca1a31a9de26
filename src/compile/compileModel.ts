import { mkdir, writeFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { buildPaths } from '../artifacts/buildPaths.js'
import type { CompileAccuracy, Manifest } from '../artifacts/manifest.js'
import { MANIFEST_FORMAT, recordArtifacts, writeManifest } from '../artifacts/manifest.js'
import type { PrepareModelWitnessReturnType } from '../witness/prepareModelWitness.js'
import { prepareModelWitness } from '../witness/prepareModelWitness.js'
import { sha256File } from '../artifacts/sha256File.js'
import { readInputs } from '../io/readInputs.js'
import type { Logger } from '../logger.js'
import { silentLogger, startTask } from '../logger.js'
import { importOnnx } from '../model/importOnnx.js'
import { shapeSize } from '../model/ir.js'
import { loadOnnx } from '../model/loadOnnx.js'
import { QuantizeError } from '../errors.js'
import { checkFixedPointWidths } from '../quantize/checkFixedPointWidths.js'
import type { InputScaling } from '../quantize/chooseInputScales.js'
import type { FixedPointModel } from '../quantize/fixedPointModel.js'
import { parseFixedPointModel } from '../quantize/fixedPointModel.js'
import { quantizeModel } from '../quantize/quantizeModel.js'
import { percent, reportAgreement } from '../quantize/reportAgreement.js'
import type { ReportAgreementParameters } from '../quantize/reportAgreement.js'
import type { QuantizationTarget } from '../quantize/searchQuantization.js'
import { searchQuantization } from '../quantize/searchQuantization.js'
import { GLASSBOX_VERSION } from '../version.js'
import { CompileError, WeightSetError } from '../errors.js'
import { architectureHash } from '../weights/architectureOf.js'
import { commitWeights } from '../weights/commitWeights.js'
import { weightLayout } from '../weights/weightLayout.js'
import type { InputVisibility, OutputSignals, WeightVisibility } from './emitCircom.js'
import { emitCircom } from './emitCircom.js'
import { estimateConstraints, totalConstraints } from './estimateConstraints.js'
import { readPublicSignalLayout } from './readPublicSignalLayout.js'
import { planOutputPacking } from '../artifacts/planOutputPacking.js'
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
  /** Choose bits and weight bits by search: the fewest constraints meeting this accuracy target (not with `bits`/`weightBits`). */
  target?: QuantizationTarget
  /**
   * JSONL (labels optional) the fixed point is checked on: its agreement with
   * float is reported and recorded, and a `target` search judges its
   * candidates on it (default: a held-out fifth of the calibration set).
   */
  validationPath?: string
  headroomBits?: number
  /** One input scale, per-feature scales, or per-feature where the features' ranges differ widely (default `auto`). */
  inputScaling?: InputScaling
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
  /**
   * `packed` (default): the outputs and class in as few public words as fit (range-checked in
   * the circuit; ~6.2k gas less per signal saved); `separate`: one public signal each, as
   * glassbox 0.1 builds did.
   */
  outputSignals?: OutputSignals
  /**
   * With a hashed input: the circuit takes an optional private `salt` (`SaltedInputHash`; the
   * hash is unchanged for salt 0). Default true; costs one Poseidon(2), ~240 constraints.
   */
  salt?: boolean
  /** circom simplification: 2 removes every linear constraint but is slow on big circuits; default: 2 below 30k constraints, else 1. */
  optimization?: 0 | 1 | 2
  logger?: Logger
}

export type CompileModelReturnType = {
  manifest: Manifest
  model: FixedPointModel
  /** Which witness generator proving will use: glassbox's own (its plan written and checked against circom's wasm), or wasm and why. */
  witness: PrepareModelWitnessReturnType
}

/**
 * ONNX model → fixed-point model → circom → R1CS + witness wasm, with a
 * manifest recording shapes, scales, the public-signal layout, constraint
 * counts, the fixed point's agreement with float (`accuracy`: on the
 * calibration set and `validationPath`; logged, with a warning below 99%)
 * and the SHA-256 of every artifact. The fixed-point model is validated
 * against its schema and checked to fit a sound circuit before any circom is
 * written.
 *
 * @throws {QuantizeError} for bad settings, unusable calibration data, or a
 *   model whose widths do not fit a sound circuit (naming the layer).
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
  inputScaling = 'auto',
  inputVisibility = 'hashed',
  weights = 'constant',
  argmax = true,
  outputSignals = 'packed',
  salt = true,
  optimization,
  logger = silentLogger,
}: CompileModelParameters): Promise<CompileModelReturnType> {
  const paths = buildPaths(outDir)
  const ir = importOnnx(await loadOnnx(modelPath), { name })
  logger.info(`imported ${modelPath}: ${ir.ops.map((op) => op.kind).join(' → ')}`)

  if (target && (bits !== undefined || weightBits !== undefined)) {
    throw new QuantizeError(`--target ${target} chooses the bit widths itself; it cannot be combined with --bits or --weight-bits.`, {
      details: 'Pass either --target, or --bits (and --weight-bits).',
    })
  }
  const inputSize = shapeSize(ir.input.shape)
  const shapeDescription = `[${ir.input.shape.join(', ')}]`
  const calibration = await readInputs(calibrationPath, { expectedLength: inputSize, shapeDescription })
  const samples = calibration.map((r) => r.input)
  const validation = validationPath ? await readInputs(validationPath, { expectedLength: inputSize, shapeDescription }) : undefined
  let model: FixedPointModel
  let search: ReportAgreementParameters['search']
  if (target) {
    const searching = startTask(logger, `searching bit widths (--target ${target}, judged on ${validation ? `${validation.length} validation inputs` : 'a held-out fifth of the calibration set'})`)
    const result = searchQuantization(ir, { calibration: samples, ...(validation ? { validation } : {}), target, headroomBits, inputScaling, inputVisibility, argmax, logger })
    searching.end()
    model = result.model
    search = { target, result }
    const on = result.judgedOn.source === 'held-out' ? `${result.judgedOn.samples} inputs held out of the calibration set` : `${result.judgedOn.samples} ${result.judgedOn.source} inputs`
    logger.info(`search (${target}): ${model.bits}-bit activations, ${model.weightBits}-bit weights, ~${result.constraints} constraints, ${percent(result.agreement)} agreement with float on ${on}`)
  } else {
    model = quantizeModel(ir, { calibration: samples, bits: bits ?? 16, ...(weightBits !== undefined ? { weightBits } : {}), headroomBits, inputScaling, logger })
  }
  // What reaches circom must be a valid, soundly decomposable fixed-point model, whatever produced it.
  model = parseFixedPointModel(model, `The quantized model of ${modelPath}`, { remedy: 'This is a glassbox bug; please report it with the model.' })
  checkFixedPointWidths(model)
  const scales = model.input.featureScales ? `input scales 2^${model.input.scale}…2^${Math.max(...model.input.featureScales)} per feature` : `input scale 2^${model.input.scale}`
  logger.info(`quantized with ${search ? search.result.judgedOn.calibratedOn : calibration.length} calibration inputs: ${model.bits}-bit activations, ${model.weightBits}-bit weights, ${scales}`)

  const accuracy = reportAgreement(ir, model, {
    calibration,
    ...(validation && validationPath ? { validation: { file: basename(validationPath), samples: validation } } : {}),
    ...(search ? { search } : {}),
  })
  logger.info(describeAccuracy(accuracy))
  if (accuracy.warning) logger.warn(`LOW ACCURACY: ${accuracy.warning}`)
  const layout = weightLayout(model)
  if (weights === 'committed' && layout.values === 0) {
    throw new CompileError(`Model "${name}" has no weights to commit.`, {
      details: `Its layers (${model.layers.map((l) => `${l.name}: ${l.kind}`).join(', ')}) have no dense, conv or affine parameters. Compile it with --weights constant.`,
    })
  }
  // Also range-checks every weight and bias against its width (throws naming the layer).
  const commitment = await weightCommitment(model)
  const salted = salt && inputVisibility === 'hashed'
  const shape = { inputVisibility, argmax, weights, outputSignals, salt: salted }
  const level = optimization ?? (totalConstraints(estimateConstraints(model, shape)) > 30_000 ? 1 : 2)
  const parts = estimateConstraints(model, { ...shape, optimization: level })

  const source = emitCircom(model, { ...shape, generator: `glassbox ${GLASSBOX_VERSION}` })
  await mkdir(outDir, { recursive: true })
  await writeFile(paths.model, `${JSON.stringify(model)}\n`)
  await writeFile(paths.circom, source)
  // circom takes minutes on a CNN: say how big the circuit will be before it starts, then tick.
  logger.info(`estimated ${totalConstraints(parts)} constraints (--O${level}); compiling with circom…`)
  const circom = startTask(logger, `circom --O${level}`)
  await runCircom({ source, outDir, optimization: level, logger })
  const header = await readR1csHeader(paths.r1cs)
  circom.end(`${header.constraints} constraints, ${header.wires} wires`)

  const nPublic = header.publicOutputs + header.publicInputs
  let manifest: Manifest = {
    format: MANIFEST_FORMAT,
    name,
    glassboxVersion: GLASSBOX_VERSION,
    source: { file: basename(modelPath), sha256: await sha256File(modelPath) },
    createdAt: new Date().toISOString(),
    input: {
      shape: [...model.input.shape],
      scale: model.input.scale,
      ...(model.input.featureScales ? { featureScales: [...model.input.featureScales] } : {}),
      bits: model.input.bits,
      visibility: inputVisibility,
      ...(inputVisibility === 'hashed' ? { salted } : {}),
    },
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
    publicSignals: await readPublicSignalLayout(paths.sym, nPublic, outputSignals === 'packed' ? { packing: planOutputPacking({ outputs: shapeSize(model.output.shape), bits: model.output.bits, argmax }) } : {}),
    constraints: { total: header.constraints, optimization: level, layers: parts },
    accuracy,
    circuit: { wires: header.wires, publicInputs: header.publicInputs, publicOutputs: header.publicOutputs, privateInputs: header.privateInputs },
    artifacts: {},
  }
  manifest = await recordArtifacts(outDir, manifest, ['model', 'circom', 'r1cs', 'wasm', 'sym'])
  await writeManifest(outDir, manifest)
  const witness = await prepareModelWitness({ buildDir: outDir, manifest, model, samples, logger })
  return { manifest, model, witness }
}

/** One line: agreement with float on the calibration and validation sets. */
export function describeAccuracy(accuracy: CompileAccuracy): string {
  const one = (name: string, r: { agreed: number; samples: number; top1Agreement: number; maxAbsError: number; overflows: number; floatAccuracy: number | null; fixedAccuracy: number | null }) =>
    `${r.agreed}/${r.samples} ${name} inputs (${percent(r.top1Agreement)}, max |error| ${r.maxAbsError.toPrecision(3)}` +
    `${r.fixedAccuracy !== null && r.floatAccuracy !== null ? `; accuracy ${percent(r.fixedAccuracy)} fixed vs ${percent(r.floatAccuracy)} float` : ''}` +
    `${r.overflows ? `; ${r.overflows} overflow` : ''})`
  const parts = [one('calibration', accuracy.calibration)]
  if (accuracy.validation) parts.push(one(`validation (${accuracy.validation.file})`, accuracy.validation))
  return `fixed point agrees with float on ${parts.join('; on ')}`
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
