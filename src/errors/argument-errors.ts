/**
 * Errors about what a caller passed in (a version, a limit, a path option) and about lakelog's
 * own invariants.
 */
import { LakelogError } from "./base.js";

/** An argument or option has a value the call cannot accept (a fractional version, a negative limit). */
export class InvalidArgumentError extends LakelogError {
  readonly code = "INVALID_ARGUMENT";
  constructor(
    /** The argument or option, e.g. `version`, `history.limit`. */
    readonly argument: string,
    /** The value received, described for messages (never a secret). */
    readonly received: string,
    /** What the call accepts. */
    readonly expected: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid ${argument}: got ${received} (pass ${expected})`, options);
  }
}

/** Options that contradict each other, or a call the object's state does not allow (commit twice). */
export class InvalidOperationError extends LakelogError {
  readonly code = "INVALID_OPERATION";
  constructor(
    /** The call, e.g. `write`, `Transaction.commit`. */
    readonly operation: string,
    detail: string,
  ) {
    super(`cannot ${operation}: ${detail}`);
  }
}

/**
 * A file the log points at lies outside the table's store (another scheme, bucket, container or
 * directory, or a relative path that climbs out with `..`) and the caller did not allow it.
 */
export class ExternalPathRefusedError extends LakelogError {
  readonly code = "EXTERNAL_PATH_REFUSED";
  constructor(
    readonly path: string,
    readonly tableUrl: string,
    reason: string,
  ) {
    super(
      `refused to read ${JSON.stringify(path)} for table ${tableUrl}: ${reason} ` +
        `(if the log is trusted, open the table with allowExternalPaths: true or allowedRoots: [...])`,
    );
  }
}

/** A broken internal invariant: a bug in lakelog, never caused by input. Please report it. */
export class InternalError extends LakelogError {
  readonly code = "INTERNAL";
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`internal error: ${detail} (this is a bug in lakelog; please report it)`, options);
  }
}
