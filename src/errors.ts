/**
 * Typed errors. Every error glassbox throws on purpose is a {@link GlassboxError}:
 * `shortMessage` says what is wrong, `details` says where and what to do, and
 * `exitCode` is what the CLI exits with (1 = a check failed, 2 = bad usage or input).
 */
export type GlassboxErrorParameters = {
  /** Where the problem is and what to do about it. */
  details?: string
  cause?: unknown
}

export class GlassboxError extends Error {
  override name = 'GlassboxError'
  readonly shortMessage: string
  readonly details: string | undefined
  /** CLI exit code: 1 for a failed check, 2 for bad usage or input. */
  readonly exitCode: 1 | 2 = 2

  constructor(shortMessage: string, { details, cause }: GlassboxErrorParameters = {}) {
    super(details ? `${shortMessage}\n${details}` : shortMessage, { cause })
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** The ONNX file cannot be read, or uses something glassbox does not support. */
export class ModelImportError extends GlassboxError {
  override name = 'ModelImportError'
}

/** An ONNX op outside glassbox's closed op set. */
export class UnsupportedOpError extends ModelImportError {
  override name = 'UnsupportedOpError'
  readonly opType: string
  readonly nodeName: string
  constructor(opType: string, nodeName: string, supported: readonly string[]) {
    super(`Unsupported ONNX op "${opType}" at node "${nodeName}".`, {
      details: `glassbox supports: ${[...supported].sort().join(', ')}. Re-export the model without this op, or replace it with supported ones.`,
    })
    this.opType = opType
    this.nodeName = nodeName
  }
}

/** Fixed-point conversion failed: no scale or bit width fits, or a value overflows. */
export class QuantizeError extends GlassboxError {
  override name = 'QuantizeError'
}

/** A value left the range the circuit can represent (the proof would be impossible). */
export class RangeOverflowError extends QuantizeError {
  override name = 'RangeOverflowError'
}

/** An input line is malformed: wrong length, NaN, not JSON. */
export class InputError extends GlassboxError {
  override name = 'InputError'
}

/** circom source generation or the circom compiler failed. */
export class CompileError extends GlassboxError {
  override name = 'CompileError'
}

/** Powers of tau or Groth16 key generation failed. */
export class SetupError extends GlassboxError {
  override name = 'SetupError'
}

/** An artifact is missing, or its SHA-256 does not match the manifest. */
export class ArtifactError extends GlassboxError {
  override name = 'ArtifactError'
}

/** Witness generation or proving failed. */
export class ProveError extends GlassboxError {
  override name = 'ProveError'
}

/** A proof or its public signals are malformed (a well-formed proof that fails is `false`, not an error). */
export class VerifyError extends GlassboxError {
  override name = 'VerifyError'
}

/** A proof was checked and rejected. Exit code 1. */
export class CheckFailedError extends GlassboxError {
  override name = 'CheckFailedError'
  override readonly exitCode = 1 as const
}

/** The chain cannot be reached, a deployment or a call failed. */
export class ChainError extends GlassboxError {
  override name = 'ChainError'
}

/** A weight set does not fit its architecture (committed weights): wrong shapes, values out of range, another build's set. */
export class WeightSetError extends GlassboxError {
  override name = 'WeightSetError'
}
