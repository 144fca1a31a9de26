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
export { releaseSnarkjs } from './snark/snarkjsLogger.js'

// model/
export * from './model/index.js'
// quantize/
export { quantizeModel, calibrateMaxAbs, type QuantizeModelParameters } from './quantize/quantizeModel.js'
export { evaluateFixed, firstArgmax, type EvaluateFixedReturnType } from './quantize/evaluateFixed.js'
export { quantizeInput, dequantize, dequantizeInput } from './quantize/quantizeInput.js'
export { accuracyReport, type AccuracyReport, type AccuracySample } from './quantize/accuracyReport.js'
export { runFixedPoint, type RunOutput } from './quantize/runFixedPoint.js'
export { parseFixedPointModel, type FixedPointModel, type FixedLayer } from './quantize/fixedPointModel.js'
// field/ (BN254 field elements and the input hash the circuit proves)
export { toField, fromField, FIELD_ORDER } from './field/fieldElement.js'
export { poseidonChain, saltedHash, SALTED_HASH_DOMAIN } from './field/poseidonChain.js'
export { packInput } from './field/packInput.js'
export { hashInput } from './field/hashInput.js'
export { parseSalt } from './field/parseSalt.js'
// compile/
export { compileModel, weightCommitment, type CompileModelParameters, type CompileModelReturnType } from './compile/compileModel.js'
export { emitCircom, type InputVisibility, type WeightVisibility, type OutputSignals } from './compile/emitCircom.js'
export { estimateConstraints, type ConstraintReport } from './compile/estimateConstraints.js'
export { runCircom } from './compile/runCircom.js'
// setup/
export { setupKeys, type SetupKeysParameters, type SetupKeysReturnType } from './setup/setupKeys.js'
export { ensureDevPtau } from './setup/ensureDevPtau.js'
export { requiredPower } from './setup/requiredPower.js'
export { devPtauPower } from './setup/devPtauPower.js'
export { contributeKey, type ContributeKeyParameters, type ContributeKeyReturnType } from './setup/contributeKey.js'
export { beaconKey, type BeaconKeyParameters, type BeaconKeyReturnType } from './setup/beaconKey.js'
export { verifySetup, type VerifySetupParameters, type VerifySetupReturnType } from './setup/verifySetup.js'
export { verifySetupTranscript, type VerifySetupTranscriptParameters, type VerifySetupTranscriptReturnType } from './setup/verifySetupTranscript.js'
export { readZkeyContributions, type ReadZkeyContributionsReturnType, type ZkeyContribution } from './setup/readZkeyContributions.js'
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
export type { Groth16ProofJson, Groth16ProofResult } from './snark/groth16Proof.js'
// queue/ (BullMQ on Redis, across machines)
export { createQueueExecutor, type CreateQueueExecutorParameters } from './queue/createQueueExecutor.js'
export { runQueueWorker, type RunQueueWorkerParameters } from './queue/runQueueWorker.js'
export { redactRedisUrl } from './queue/redisConnection.js'
export { QueueError } from './queue/queueError.js'
// witness/
export { createWitnessCalculator, type WitnessCalculator, type WitnessKind } from './witness/createWitnessCalculator.js'
export { createModelWitness, type ModelWitness } from './witness/createModelWitness.js'
export { prepareModelWitness, type PrepareModelWitnessReturnType } from './witness/prepareModelWitness.js'
// verify/
export { verifyProofs, type ProofCheck, type VerifyProofsParameters } from './verify/verifyProofs.js'
export { checkRecordInput } from './verify/checkRecordInput.js'
export { checkProofRecord, type CheckProofRecordContext } from './verify/checkProofRecord.js'
export { readProofs, parseProofRecord, type ReadProofsOptions } from './verify/readProofs.js'
export { verifyProofsOnChain, type OnChainCheck, type VerifyProofsOnChainParameters, type VerifyProofsOnChainReturnType } from './verify/verifyProofsOnChain.js'
// chain/
export * from './chain/index.js'
// artifacts
export { readManifest, type Manifest } from './artifacts/manifest.js'
export { buildPaths } from './artifacts/buildPaths.js'
// The public-signal layout: one decoder for every reader, its inverse, and the packing plan.
export { decodePublicSignals, type PublicStatement } from './artifacts/decodePublicSignals.js'
export { encodePublicSignals } from './artifacts/encodePublicSignals.js'
export { planOutputPacking, PACKED_WORD_BITS, type PlanOutputPackingParameters } from './artifacts/planOutputPacking.js'
export type { OutputPacking, PublicSignalLayout } from './artifacts/manifest.js'
// weights/ (committed weights)
export { commitWeights } from './weights/commitWeights.js'
export { weightLayout, weightValues, type WeightLayout, type WeightSegment } from './weights/weightLayout.js'
export { packWeights } from './weights/packWeights.js'
export { weightSignals } from './weights/weightSignals.js'
export { architectureHash, architectureDifferences } from './weights/architectureOf.js'
export { readWeightSet, writeWeightSet, WEIGHT_SET_FORMAT, type WeightSet } from './weights/weightSetFile.js'
export { applyWeightSet } from './weights/applyWeightSet.js'
export { extractWeightSet } from './weights/extractWeightSet.js'
export { quantizeWeightSet } from './weights/quantizeWeightSet.js'
export { makeWeightSet, type MakeWeightSetParameters, type MakeWeightSetReturnType } from './weights/makeWeightSet.js'
export { checkWeightCommitment } from './weights/checkWeightCommitment.js'
export { withWeightSet } from './weights/withWeightSet.js'
export { readWeightSetFor } from './weights/readWeightSetFor.js'
// market/ (actions over the chain bindings: what a requester and an honest prover do)
export { requestInference, type RequestInferenceParameters, type RequestInferenceReturnType } from './market/requestInference.js'
export { lockRequest, type LockRequestParameters, type LockRequestReturnType } from './market/lockRequest.js'
export { fulfilRequest, type FulfilRequestParameters, type FulfilRequestReturnType } from './market/fulfilRequest.js'
export { openMarketModel, type OpenMarketModelParameters, type OpenMarketModelReturnType } from './market/marketContext.js'
export { verifyRequestInput, type VerifyRequestInputOptions } from './market/verifyRequestInput.js'
export { waitForFulfilment, type WaitForFulfilmentParameters, type WaitForFulfilmentReturnType } from './market/waitForFulfilment.js'
export { decodeFulfilment, type DecodedAnswer } from './market/decodeFulfilment.js'

// node/ (the unattended prover node: journal, cost model, decisions, metrics)
export { runProverNode, type RunProverNodeParameters, type RunProverNodeReturnType } from './node/runProverNode.js'
export { openNodeJournal, readNodeJournal, journalPath, type NodeJournal, type OpenNodeJournalParameters } from './node/openNodeJournal.js'
export { summarizeNodeJournal, type NodeSummary } from './node/summarizeNodeJournal.js'
export { decideRequest, auctionPrice, type Decision, type DecideRequestParameters } from './node/decideRequest.js'
export { createCostModel, type CostModel, type CreateCostModelParameters } from './node/createCostModel.js'
export { createNodeMetrics, type NodeMetrics } from './node/createNodeMetrics.js'
export { readMarketEvents, type MarketEventLog } from './node/readMarketEvents.js'
export { lateTurn, type LateTurnParameters } from './node/lateTurn.js'
export { withdrawEarnings, type WithdrawEarningsParameters } from './node/withdrawEarnings.js'
export { fulfilForNode, type FulfilForNodeParameters, type FulfilForNodeReturnType } from './node/fulfilForNode.js'
export type { JournalRecord, NodeRequestState, NodeJournalState } from './node/nodeJournal.js'
