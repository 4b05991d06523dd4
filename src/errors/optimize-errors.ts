/**
 * Errors of OPTIMIZE (bin-packing compaction and z-ordering): refused predicates and columns,
 * invalid options, and a z-order partition too large for the configured memory bound.
 */
import { LakelogError } from "./base.js";

/** An optimize option has a value it cannot take (a non-positive size, an empty z-order list, ...). */
export class InvalidOptimizeOptionError extends LakelogError {
  readonly code = "INVALID_OPTIMIZE_OPTION";
  constructor(
    /** The option's name, e.g. `targetSize`. */
    readonly option: string,
    /** The value given, as text. */
    readonly value: string,
    reason: string,
  ) {
    super(`invalid optimize option ${option}: ${value} (${reason})`);
  }
}

/**
 * The `where` of an optimize names a column that is not a partition column. As in Spark, an
 * optimize may only be restricted to whole partitions.
 */
export class OptimizePredicateError extends LakelogError {
  readonly code = "OPTIMIZE_PREDICATE_NOT_PARTITION";
  constructor(
    /** The offending column. */
    readonly column: string,
    /** The table's partition columns. */
    readonly partitionColumns: readonly string[],
  ) {
    const allowed = partitionColumns.length > 0 ? partitionColumns.join(", ") : "none: the table is not partitioned";
    super(
      `optimize predicate refused: column ${column} is not a partition column (restrict optimize with partition columns only: ${allowed})`,
    );
  }
}

/** A z-order column is unknown, a partition column, repeated, or of a type that cannot be z-ordered. */
export class ZOrderColumnError extends LakelogError {
  readonly code = "ZORDER_COLUMN_INVALID";
  constructor(
    /** The offending column as given. */
    readonly column: string,
    /** Why it was refused. */
    readonly reason: string,
  ) {
    super(`cannot z-order by column ${column}: ${reason} (choose top-level data columns of primitive type)`);
  }
}

/**
 * Z-ordering sorts one partition's selected rows in memory; this partition holds more than the
 * configured bound. Nothing was committed.
 */
export class ZOrderMemoryLimitError extends LakelogError {
  readonly code = "ZORDER_MEMORY_LIMIT";
  constructor(
    /** The partition's values (`{}` for an unpartitioned table). */
    readonly partitionValues: Record<string, string | null>,
    /** Bytes measured or estimated when the bound was exceeded. */
    readonly bytes: number,
    /** The bound (`zOrderMemoryLimit`). */
    readonly limit: number,
  ) {
    super(
      `z-order of partition ${JSON.stringify(partitionValues)} needs at least ${bytes} bytes in memory, above the limit of ${limit} (raise zOrderMemoryLimit, or restrict the optimize with where to fewer rows)`,
    );
  }
}
