/**
 * Typed errors. Every error glassbox throws on purpose is a {@link GlassboxError}:
 * `shortMessage` says what is wrong, `details` says where and what to do, `name`
 * is the class's literal name, `code` a stable identifier (`GLASSBOX_…`, for
 * programs: it does not change when a message is reworded), and `exitCode` is
 * what the CLI exits with.
 *
 * CLI exit codes: 0 ok; 1 a check failed (a proof did not verify, an input could
 * not be proven, the chain refused a transaction); 2 bad usage, bad input or an
 * I/O problem with a path the user gave; 70 an internal error (a glassbox bug:
 * please report it); 130 interrupted (Ctrl-C).
 */
export type GlassboxErrorParameters = {
  /** Where the problem is and what to do about it. */
  details?: string
  cause?: unknown
}

/** Every exit code the CLI uses for an error (see the module comment). */
export type GlassboxExitCode = 1 | 2 | 70 | 130

export class GlassboxError extends Error {
  override readonly name: string = 'GlassboxError'
  /** Stable identifier of the error kind, e.g. `GLASSBOX_INPUT`. */
  readonly code: string = 'GLASSBOX_ERROR'
  readonly shortMessage: string
  readonly details: string | undefined
  /** CLI exit code: 1 for a failed check, 2 for bad usage, input or I/O, 70 for a glassbox bug. */
  readonly exitCode: GlassboxExitCode = 2

  constructor(shortMessage: string, { details, cause }: GlassboxErrorParameters = {}) {
    super(details ? `${shortMessage}\n${details}` : shortMessage, { cause })
    this.shortMessage = shortMessage
    this.details = details
  }
}

/** The command line is wrong: an unknown command or option, a missing argument. */
export class UsageError extends GlassboxError {
  override readonly name = 'UsageError' as const
  override readonly code = 'GLASSBOX_USAGE' as const
}

/** The ONNX file cannot be read, or uses something glassbox does not support. */
export class ModelImportError extends GlassboxError {
  override readonly name: 'ModelImportError' | 'UnsupportedOpError' = 'ModelImportError'
  override readonly code: 'GLASSBOX_MODEL_IMPORT' | 'GLASSBOX_UNSUPPORTED_OP' = 'GLASSBOX_MODEL_IMPORT'
}

/** An ONNX op outside glassbox's closed op set. */
export class UnsupportedOpError extends ModelImportError {
  override readonly name = 'UnsupportedOpError' as const
  override readonly code = 'GLASSBOX_UNSUPPORTED_OP' as const
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
  override readonly name: 'QuantizeError' | 'RangeOverflowError' = 'QuantizeError'
  override readonly code: 'GLASSBOX_QUANTIZE' | 'GLASSBOX_RANGE_OVERFLOW' = 'GLASSBOX_QUANTIZE'
}

/** A value left the range the circuit can represent (the proof would be impossible). */
export class RangeOverflowError extends QuantizeError {
  override readonly name = 'RangeOverflowError' as const
  override readonly code = 'GLASSBOX_RANGE_OVERFLOW' as const
}

/** An input line is malformed: wrong length, NaN, not JSON. */
export class InputError extends GlassboxError {
  override readonly name = 'InputError' as const
  override readonly code = 'GLASSBOX_INPUT' as const
}

/** circom source generation or the circom compiler failed. */
export class CompileError extends GlassboxError {
  override readonly name = 'CompileError' as const
  override readonly code = 'GLASSBOX_COMPILE' as const
}

/** Powers of tau or Groth16 key generation failed. */
export class SetupError extends GlassboxError {
  override readonly name = 'SetupError' as const
  override readonly code = 'GLASSBOX_SETUP' as const
}

/** An artifact is missing, or its SHA-256 does not match the manifest. */
export class ArtifactError extends GlassboxError {
  override readonly name = 'ArtifactError' as const
  override readonly code = 'GLASSBOX_ARTIFACT' as const
}

/** Witness generation or proving failed. */
export class ProveError extends GlassboxError {
  override readonly name: 'ProveError' | 'ResumeMismatchError' = 'ProveError'
  override readonly code: 'GLASSBOX_PROVE' | 'GLASSBOX_RESUME_MISMATCH' = 'GLASSBOX_PROVE'
}

/** A proof or its public signals are malformed (a well-formed proof that fails is `false`, not an error). */
export class VerifyError extends GlassboxError {
  override readonly name = 'VerifyError' as const
  override readonly code = 'GLASSBOX_VERIFY' as const
}

/** A proof was checked and rejected. Exit code 1. */
export class CheckFailedError extends GlassboxError {
  override readonly name = 'CheckFailedError' as const
  override readonly code = 'GLASSBOX_CHECK_FAILED' as const
  override readonly exitCode = 1 as const
}

/** The chain cannot be reached, a deployment or a call failed. */
export class ChainError extends GlassboxError {
  override readonly name: 'ChainError' | ChainRefusedError['name'] = 'ChainError'
  override readonly code: 'GLASSBOX_CHAIN' | ChainRefusedError['code'] = 'GLASSBOX_CHAIN'
  override readonly exitCode: 1 | 2 = 2
}

/** A contract refused a transaction or call (it reverted, e.g. a replayed proof). Exit code 1: a check failed. */
export class ChainRefusedError extends ChainError {
  override readonly name: 'ChainRefusedError' | 'MarketRefusalError' | 'VerifierCodeMismatchError' = 'ChainRefusedError'
  override readonly code: 'GLASSBOX_CHAIN_REFUSED' | 'GLASSBOX_MARKET_REFUSED' | 'GLASSBOX_VERIFIER_CODE_MISMATCH' = 'GLASSBOX_CHAIN_REFUSED'
  override readonly exitCode = 1 as const
}

/** GlassboxMarket (or GlassboxRegistry) refused a call with a named custom error: `errorName`, e.g. `NotLocker`. */
export class MarketRefusalError extends ChainRefusedError {
  override readonly name = 'MarketRefusalError' as const
  override readonly code = 'GLASSBOX_MARKET_REFUSED' as const
  /** The contract's custom error, e.g. `InsufficientStake`. */
  readonly errorName: string
  constructor(shortMessage: string, errorName: string, parameters: GlassboxErrorParameters = {}) {
    super(shortMessage, parameters)
    this.errorName = errorName
  }
}

/** The code at a verifier address is not the runtime code the build's Verifier.sol compiles to. */
export class VerifierCodeMismatchError extends ChainRefusedError {
  override readonly name = 'VerifierCodeMismatchError' as const
  override readonly code = 'GLASSBOX_VERIFIER_CODE_MISMATCH' as const
}

/** A file or folder the user named cannot be read or written (missing, a file where a folder should be, no permission). */
export class FileAccessError extends GlassboxError {
  override readonly name = 'FileAccessError' as const
  override readonly code = 'GLASSBOX_FILE_ACCESS' as const
  /** The path, as the operating system reported it. */
  readonly path: string | undefined
  /** The operating system's error code (`ENOENT`, `EEXIST`, `EACCES`, …). */
  readonly errno: string | undefined
  constructor(shortMessage: string, { path, errno, ...rest }: GlassboxErrorParameters & { path?: string; errno?: string } = {}) {
    super(shortMessage, rest)
    this.path = path
    this.errno = errno
  }
}

/** Something glassbox did not expect: a bug. Exit code 70 (EX_SOFTWARE); the CLI asks for a report with the trace. */
export class InternalError extends GlassboxError {
  override readonly name = 'InternalError' as const
  override readonly code = 'GLASSBOX_INTERNAL' as const
  override readonly exitCode = 70 as const
}

/** The command was interrupted (Ctrl-C, SIGTERM). Exit code 130; the details say how to resume. */
export class InterruptedError extends GlassboxError {
  override readonly name = 'InterruptedError' as const
  override readonly code = 'GLASSBOX_INTERRUPTED' as const
  override readonly exitCode = 130 as const
}

/** A weight set does not fit its architecture (committed weights): wrong shapes, values out of range, another build's set. */
export class WeightSetError extends GlassboxError {
  override readonly name = 'WeightSetError' as const
  override readonly code = 'GLASSBOX_WEIGHT_SET' as const
}

/** A prover node's state folder cannot be used: its journal belongs to another account, market or chain, or is malformed. */
export class NodeStateError extends GlassboxError {
  override readonly name = 'NodeStateError' as const
  override readonly code = 'GLASSBOX_NODE_STATE' as const
}
