/**
 * glassbox — verifiable inference. The library API; the CLI is a thin layer over it.
 *
 * @example
 * import { compileModel, setupKeys, proveBatch, verifyProofs } from 'glassbox'
 * await compileModel({ modelPath: 'model.onnx', outDir: 'build/m', calibrationPath: 'cal.jsonl' })
 * await setupKeys({ buildDir: 'build/m' })
 * await proveBatch({ buildDir: 'build/m', inputsPath: 'inputs.jsonl', outPath: 'proofs.jsonl' })
 * const checks = await verifyProofs({ buildDir: 'build/m', proofsPath: 'proofs.jsonl' })
 */
export * from './errors.js'
export type { Logger } from './logger.js'
export { consoleLogger, silentLogger } from './logger.js'
export { GLASSBOX_VERSION } from './version.js'

// model/
export * from './model/index.js'
// quantize/
export { quantizeModel, calibrateMaxAbs, type QuantizeModelParameters } from './quantize/quantizeModel.js'
export { evaluateFixed, firstArgmax, type EvaluateFixedReturnType } from './quantize/evaluateFixed.js'
export { quantizeInput, dequantize } from './quantize/quantizeInput.js'
export { accuracyReport, type AccuracyReport, type AccuracySample } from './quantize/accuracyReport.js'
export { runFixedPoint, type RunOutput } from './quantize/runFixedPoint.js'
export { parseFixedPointModel, type FixedPointModel, type FixedLayer } from './quantize/fixedPointModel.js'
// compile/
export { compileModel, weightCommitment, type CompileModelParameters, type CompileModelReturnType } from './compile/compileModel.js'
export { emitCircom, type InputVisibility } from './compile/emitCircom.js'
export { estimateConstraints, type ConstraintReport } from './compile/estimateConstraints.js'
export { poseidonChain, toField, fromField, FIELD_ORDER } from './compile/poseidonChain.js'
export { runCircom } from './compile/runCircom.js'
// setup/
export { setupKeys, type SetupKeysParameters } from './setup/setupKeys.js'
export { ensureDevPtau } from './setup/ensureDevPtau.js'
export { requiredPower } from './setup/requiredPower.js'
// prove/
export { proveBatch, type ProveBatchParameters, type ProveBatchReturnType, type BatchProgress, type BatchEvent } from './prove/proveBatch.js'
export { proveBatchStream } from './prove/proveBatchStream.js'
export { createPoolExecutor, type CreatePoolExecutorParameters } from './prove/createPoolExecutor.js'
export type { ProveExecutor, ProveExecutorFactory, ProveExecutorTask, ProveExecutorResult, ProveExecutorContext } from './prove/proveExecutor.js'
export { errorsPathFor, type BatchErrorRecord } from './prove/errorsFile.js'
export { inputSha256 } from './prove/inputSha256.js'
export { ResumeMismatchError } from './prove/resumeMismatchError.js'
export { createProver, type Prover } from './prove/createProver.js'
export { loadProvingArtifacts, type ProvingArtifacts } from './prove/provingArtifacts.js'
export { snarkjsBackend } from './prove/snarkjsBackend.js'
export { nativeBackend, type NativeBackendOptions } from './prove/nativeBackend.js'
export { selectBackend, threadsPerWorker, type BackendChoice, type BackendName } from './prove/selectBackend.js'
export { loadNativeAddon, type NativeAddon } from './native/loadNativeAddon.js'
export type { ProverBackend } from './prove/proverBackend.js'
export type { ProofRecord } from './prove/proofRecord.js'
// queue/ (BullMQ on Redis, across machines)
export { createQueueExecutor, type CreateQueueExecutorParameters } from './queue/createQueueExecutor.js'
export { runQueueWorker, type RunQueueWorkerParameters } from './queue/runQueueWorker.js'
export { redactRedisUrl } from './queue/redisConnection.js'
export { QueueError } from './queue/queueError.js'
// witness/
export { createWitnessCalculator, type WitnessCalculator, type WitnessKind } from './witness/createWitnessCalculator.js'
export { buildWitnessBinary, DEFAULT_WITNESS_OPTIMIZATION, type WitnessOptimization, type WitnessBinaryInfo } from './witness/buildWitnessBinary.js'
export { ensureNativeWitness } from './witness/ensureNativeWitness.js'
export { startBackgroundWitnessBuild } from './witness/startBackgroundWitnessBuild.js'
export { findWitnessToolchain, type WitnessToolchain } from './witness/findWitnessToolchain.js'
export { generateCppWitnessSource } from './witness/generateCppWitnessSource.js'
// verify/
export { verifyProofs, type ProofCheck } from './verify/verifyProofs.js'
export { verifyProofsOnChain } from './verify/verifyProofsOnChain.js'
// chain/
export * from './chain/index.js'
export { deployModel } from './chain/deployModel.js'
// artifacts
export { readManifest, type Manifest } from './artifacts/manifest.js'
export { buildPaths } from './artifacts/buildPaths.js'
