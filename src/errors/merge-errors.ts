/**
 * Errors of MERGE: a target row matched by several source rows, a source larger than the memory
 * a merge may hold.
 */
import { LakelogError } from "./base.js";

/**
 * Several source rows matched one target row while a WHEN MATCHED clause could apply to it (SQL
 * forbids updating or deleting a row more than once in one statement, as Spark does).
 */
export class MergeCardinalityError extends LakelogError {
  readonly code = "MERGE_CARDINALITY_VIOLATION";
  constructor(
    readonly tableUrl: string,
    /** The join key of the target row, as text (`id=3`), or empty without equality keys. */
    readonly key: string,
    /** How many source rows matched it. */
    readonly matches: number,
  ) {
    super(
      `merge failed: ${matches} source rows match the same target row (${key || "no key"}) of ${tableUrl} (deduplicate the source on the merge keys)`,
    );
  }
}

/** The merge source exceeds `maxSourceBytes` (the merge holds its source in memory). */
export class MergeSourceTooLargeError extends LakelogError {
  readonly code = "MERGE_SOURCE_TOO_LARGE";
  constructor(
    readonly bytes: number,
    readonly maxSourceBytes: number,
  ) {
    super(
      `merge source too large: more than ${bytes} bytes in memory, limit ${maxSourceBytes} (split the source into several merges or raise maxSourceBytes)`,
    );
  }
}
