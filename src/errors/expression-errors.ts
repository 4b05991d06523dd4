/**
 * Errors about predicates (filter expressions) and the typed values they compare: parse
 * failures, columns a predicate names that the table lacks, literals that do not fit a column's
 * type, and serialised partition values that do not parse.
 */
import { LakelogError } from "./base.js";

/** A predicate string is not valid: names the position (0-based) and what was expected there. */
export class ExpressionParseError extends LakelogError {
  readonly code = "EXPRESSION_PARSE";
  constructor(
    /** The whole predicate text. */
    readonly input: string,
    /** 0-based character offset of the offending token. */
    readonly position: number,
    /** What the parser expected, e.g. `a comparison operator`. */
    readonly expected: string,
    /** What it found instead (`end of input` at the end). */
    readonly found: string,
  ) {
    super(`cannot parse predicate at position ${position}: expected ${expected}, found ${found} in ${JSON.stringify(input)}`);
  }
}

/** A predicate names a column the table schema does not have. */
export class UnknownColumnError extends LakelogError {
  readonly code = "UNKNOWN_COLUMN";
  constructor(
    /** The column path as the predicate wrote it, dotted. */
    readonly columnPath: string,
    /** Top-level (or enclosing struct's) column names, to help the user. */
    readonly available: string[],
  ) {
    super(`unknown column ${columnPath} (columns are: ${available.join(", ") || "none"})`);
  }
}

/** A literal cannot be compared with a column of the given type (wrong kind of value, or out of range). */
export class IncompatibleLiteralError extends LakelogError {
  readonly code = "INCOMPATIBLE_LITERAL";
  constructor(
    readonly columnPath: string,
    /** The column's Delta type, e.g. `long`, `decimal(10,2)`. */
    readonly columnType: string,
    /** The literal rendered for the message. */
    readonly literal: string,
    detail: string,
  ) {
    super(`literal ${literal} does not fit column ${columnPath} of type ${columnType}: ${detail}`);
  }
}

/** A predicate is well-formed but not meaningful for the schema (comparing a struct, a non-boolean used as a condition, ...). */
export class InvalidExpressionError extends LakelogError {
  readonly code = "INVALID_EXPRESSION";
  constructor(
    /** The offending part of the predicate, rendered as text. */
    readonly expression: string,
    detail: string,
  ) {
    super(`invalid predicate ${expression}: ${detail}`);
  }
}

/** A serialised partition value in the log does not parse as its column's type. */
export class InvalidPartitionValueError extends LakelogError {
  readonly code = "INVALID_PARTITION_VALUE";
  constructor(
    /** The partition column (physical name as the log keys it). */
    readonly column: string,
    readonly columnType: string,
    readonly value: string,
    detail: string,
  ) {
    super(`invalid partition value ${JSON.stringify(value)} for column ${column} of type ${columnType}: ${detail}`);
  }
}
