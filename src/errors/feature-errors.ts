/**
 * Errors of the writer table features lakelog implements: generated columns
 * (`delta.generationExpression`) and identity columns (`delta.identity.*`). A write that throws
 * one of these has written nothing to the log.
 */
import { LakelogError } from "./base.js";

/** A supplied value of a generated column differs from what its generation expression gives. */
export class GeneratedColumnMismatchError extends LakelogError {
  readonly code = "GENERATED_COLUMN_MISMATCH";
  constructor(
    /** The generated column. */
    readonly column: string,
    /** Its generation expression (`delta.generationExpression`). */
    readonly expression: string,
    /** The first mismatching row of the batch. */
    readonly row: number,
    /** The value supplied at that row (display form: dates and timestamps as text, decimals exact). */
    readonly supplied: unknown,
    /** The value the expression gives at that row. */
    readonly expected: unknown,
    /** How many rows of the batch mismatch. */
    readonly mismatchingRows: number,
  ) {
    super(
      `generated column ${column} = ${expression} does not match the written value: row ${row} has ${show(supplied)}, the expression gives ${show(expected)}` +
        `${mismatchingRows > 1 ? ` (${mismatchingRows} rows mismatch)` : ""} (omit the column to have it computed, or supply the computed value)`,
    );
  }
}

/** A generation expression lakelog cannot evaluate (unknown function, unsupported type, bad reference). */
export class UnsupportedGenerationExpressionError extends LakelogError {
  readonly code = "UNSUPPORTED_GENERATION_EXPRESSION";
  constructor(
    readonly column: string,
    readonly expression: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot evaluate the generation expression of column ${column}: ${expression}: ${reason} (the table cannot be written by lakelog until the expression is supported)`,
      options,
    );
  }
}

/** An explicit value for a `GENERATED ALWAYS AS IDENTITY` column (`delta.identity.allowExplicitInsert` is false). */
export class IdentityColumnValueError extends LakelogError {
  readonly code = "IDENTITY_EXPLICIT_VALUE";
  constructor(readonly column: string) {
    super(
      `identity column ${column} is GENERATED ALWAYS: explicit values are not allowed (omit the column so lakelog allocates its values)`,
    );
  }
}

/** An UPDATE or MERGE assignment to an identity column (Spark refuses these for ALWAYS and BY DEFAULT alike). */
export class IdentityColumnUpdateError extends LakelogError {
  readonly code = "IDENTITY_COLUMN_UPDATE";
  constructor(readonly column: string) {
    super(
      `identity column ${column} cannot be updated: its values are allocated once, when rows are inserted (leave it out of the assignments)`,
    );
  }
}

/** Identity column metadata that is invalid (step 0, non-integer start, non-long column...). */
export class InvalidIdentityColumnError extends LakelogError {
  readonly code = "INVALID_IDENTITY_COLUMN";
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {
    super(`identity column ${column} is invalid: ${reason} (fix the column's delta.identity.* metadata)`);
  }
}

/** Identity values would leave the range of a long. */
export class IdentityOverflowError extends LakelogError {
  readonly code = "IDENTITY_OVERFLOW";
  constructor(
    readonly column: string,
    readonly highWaterMark: bigint,
    readonly rows: number,
    /** The range left: the long range, or the safe-integer range of the JSON high-water mark lakelog writes. */
    readonly limit: "long" | "safe-integer" = "long",
  ) {
    super(
      `identity column ${column} overflows: ${rows} more values from ${highWaterMark} leave the ${limit === "long" ? "long range" : "range a JSON high-water mark holds exactly (±2^53 − 1)"} (recreate the column with a smaller start or step)`,
    );
  }
}

function show(x: unknown): string {
  if (x === null || x === undefined) return "NULL";
  if (typeof x === "string") return JSON.stringify(x);
  return String(x);
}
