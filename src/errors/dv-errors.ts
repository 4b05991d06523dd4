/**
 * Errors about deletion vectors (`src/dv/`). Storage
 * failures met while reading a DV file are not wrapped: the store's own errors (`NotFoundError`,
 * ...) pass through.
 */
import { LakelogError } from "./base.js";

/**
 * A deletion vector's bytes are not what its descriptor promises: a bad Z85 string, a short read,
 * a size prefix, magic number, checksum or version byte that does not match, a malformed roaring
 * bitmap, or a decoded cardinality other than `descriptor.cardinality`.
 *
 * `location` is the store-relative path of the DV file, or `inline` for a DV stored in the log;
 * `offset` is the descriptor's offset into the file (undefined for inline DVs).
 */
export class CorruptDeletionVectorError extends LakelogError {
  readonly code = "CORRUPT_DELETION_VECTOR";
  constructor(
    readonly location: string,
    readonly offset: number | undefined,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `corrupt deletion vector: ${location}${offset !== undefined ? ` at offset ${offset}` : ""}: ${reason} ` +
        "(the DV file or the log entry pointing at it is damaged; restore it from a backup or rewrite the data file without the DV)",
      options,
    );
  }
}

/**
 * A deletion vector descriptor cannot be resolved to bytes: an unknown `storageType`, a `u` path
 * without a 20-character Z85 UUID, a negative size or offset, an inline DV with a wrong length.
 */
export class InvalidDeletionVectorDescriptorError extends LakelogError {
  readonly code = "INVALID_DELETION_VECTOR_DESCRIPTOR";
  constructor(
    readonly storageType: string,
    readonly pathOrInlineDv: string,
    readonly reason: string,
  ) {
    super(
      `invalid deletion vector descriptor: storageType ${JSON.stringify(storageType)}, ` +
        `pathOrInlineDv ${JSON.stringify(abbreviate(pathOrInlineDv))}: ${reason} (the log entry is malformed; it was written by a faulty writer)`,
    );
  }
}

/**
 * A `p` (absolute path) deletion vector lies outside the table root, so the table's store cannot
 * read it. `path` is the descriptor's path, `tableUrl` the store's root URL.
 */
export class DeletionVectorOutsideTableError extends LakelogError {
  readonly code = "DELETION_VECTOR_OUTSIDE_TABLE";
  constructor(
    readonly path: string,
    readonly tableUrl: string,
  ) {
    super(
      `deletion vector outside the table: ${path} is not under ${tableUrl} ` +
        "(reading DVs from other locations is not supported; copy the DV file under the table root and rewrite the log entry)",
    );
  }
}

/**
 * Row indexes handed to the DV encoder are not valid 0-based row positions: negative, fractional,
 * or beyond 2^53 - 1. `index` is the offending position in the input, `value` its value.
 */
export class InvalidRowIndexError extends LakelogError {
  readonly code = "INVALID_ROW_INDEX";
  constructor(
    readonly index: number,
    readonly value: number,
  ) {
    super(`invalid row index for a deletion vector: element ${index} is ${value} (row indexes are integers from 0 to 2^53 - 1)`);
  }
}

function abbreviate(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 60)}…(${text.length} chars)`;
}
