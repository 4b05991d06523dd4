/**
 * The root of every error lakelog throws on purpose.
 *
 * Each subclass has a stable `code` to branch on (never the message), carries the values involved
 * as typed fields, and keeps the underlying error (an SDK or system error) as `cause`.
 * Messages read `what failed: the values involved (what to do)`.
 */
export abstract class LakelogError extends Error {
  /** Stable, machine-readable identifier of the failure kind. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `err` is a lakelog error with the given code. */
export function isLakelogError(err: unknown, code?: string): err is LakelogError {
  return err instanceof LakelogError && (code === undefined || err.code === code);
}
