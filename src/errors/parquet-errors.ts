/**
 * Errors of the Parquet engine (`src/engine/parquet-*`). Storage failures met while reading a
 * Parquet object are not wrapped: the store's own errors (`NotFoundError`, ...) pass through.
 */
import { LakelogError } from "./base.js";

/**
 * The object is not a readable Parquet file: truncated, a bad footer, a column chunk outside the
 * file, or pages the decoder rejects. `reason` says which; the decoder's error is the `cause`.
 */
export class CorruptParquetError extends LakelogError {
  readonly code = "CORRUPT_PARQUET";
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt Parquet file: ${path}: ${reason} (the file is damaged or not Parquet; restore it or remove it from the table)`, options);
  }
}

/** The file is valid Parquet but uses a feature lakelog cannot read (encryption, external column chunks). */
export class UnsupportedParquetError extends LakelogError {
  readonly code = "UNSUPPORTED_PARQUET";
  constructor(
    readonly path: string,
    readonly feature: string,
  ) {
    super(`unsupported Parquet file: ${path} uses ${feature} (rewrite it without that feature)`);
  }
}

/**
 * A column's data cannot be converted to the type the caller asked for (an unsupported cast, a
 * value that does not fit, a missing required column). `columnPath` is the dotted path of the column.
 */
export class ParquetCastError extends LakelogError {
  readonly code = "PARQUET_CAST_FAILED";
  constructor(
    readonly columnPath: string,
    readonly fromType: string,
    readonly toType: string,
    detail: string,
  ) {
    super(`cannot convert column ${columnPath} from ${fromType} to ${toType}: ${detail}`);
  }
}

/**
 * Writing Parquet failed: batches whose schema differs from the first, a type Parquet cannot hold,
 * or the encoder rejected the data. `reason` says which; the encoder's error is the `cause`.
 */
export class ParquetWriteError extends LakelogError {
  readonly code = "PARQUET_WRITE_FAILED";
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot write Parquet: ${reason}`, options);
  }
}

/**
 * The WASM Parquet engine ran out of memory (its heap is capped at 4 GiB). `operation` names what
 * was running. Smaller row groups, batches or projections need less.
 */
export class ParquetMemoryError extends LakelogError {
  readonly code = "PARQUET_OUT_OF_MEMORY";
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Parquet engine out of memory while ${operation} (read fewer columns or row groups at once, or write smaller row groups)`,
      options,
    );
  }
}
