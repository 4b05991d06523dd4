/**
 * Errors about predicates (filter expressions) and the typed values they compare: parse
 * failures, columns a predicate names that the table lacks, literals that do not fit a column's
 * type, and serialised partition values that do not parse.
 */
import { LakelogError } from "./base.js";

/**
 * An expression string is not valid: names the position of the offending token (0-based offset,
 * and 1-based line and column), what was expected there, and shows the line with a caret.
 */
export class ExpressionParseError extends LakelogError {
  readonly code = "EXPRESSION_PARSE";
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token. */
  readonly column: number;
  /** The offending line (shortened around the position when long) and a caret line under it. */
  readonly excerpt: string;
  constructor(
    /** The whole expression text. */
    readonly input: string,
    /** 0-based character offset of the offending token. */
    readonly position: number,
    /** What the parser expected, e.g. `a comparison operator`. */
    readonly expected: string,
    /** What it found instead (`end of input` at the end). */
    readonly found: string,
  ) {
    const { line, column, excerpt } = locate(input, position);
    super(`cannot parse expression: expected ${expected} at ${line}:${column}, found ${found} (fix the expression text)\n${excerpt}`);
    this.line = line;
    this.column = column;
    this.excerpt = excerpt;
  }
}

/** Line, column and a two-line caret excerpt for `position` in `input`. */
function locate(input: string, position: number): { line: number; column: number; excerpt: string } {
  const before = input.slice(0, position);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = input.indexOf("\n", position) < 0 ? input.length : input.indexOf("\n", position);
  const column = position - lineStart + 1;
  const from = Math.max(lineStart, position - 40);
  const to = Math.min(lineEnd, position + 40);
  const prefix = from > lineStart ? "..." : "";
  const text = `${prefix}${input.slice(from, to)}${to < lineEnd ? "..." : ""}`;
  return { line, column, excerpt: `  ${text}\n  ${" ".repeat(prefix.length + position - from)}^` };
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

/**
 * A literal cannot be read as the type it is compared with or stored as (wrong kind of value, or
 * not exact in that type): beside a column (`n = 'ten'`, an update's `set: { n: "'ten'" }`) the
 * column is named; beside a computed value (`coalesce(d, 'soon')`) the expression is.
 */
export class IncompatibleLiteralError extends LakelogError {
  readonly code = "INCOMPATIBLE_LITERAL";
  constructor(
    /** The column the literal meets, dotted; undefined when it meets a computed value. */
    readonly columnPath: string | undefined,
    /** The Delta type the literal must take, e.g. `long`, `decimal(10,2)`: the column's type when there is a column. */
    readonly columnType: string,
    /** The literal rendered for the message. */
    readonly literal: string,
    detail: string,
    /** Where the literal meets a computed value, rendered as text (when there is no column). */
    readonly expression?: string,
  ) {
    const target =
      columnPath !== undefined
        ? `column ${columnPath} of type ${columnType}`
        : `type ${columnType}${expression === undefined || expression === literal ? "" : ` in ${expression}`}`;
    super(`literal ${literal} does not fit ${target}: ${detail}`);
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

/**
 * An expression is well-formed but ill-typed: an operator or function got operands of types it
 * does not take (`'a' + 1`, `lower(5)`, `CASE` branches without a common type).
 */
export class ExpressionTypeError extends LakelogError {
  readonly code = "EXPRESSION_TYPE";
  constructor(
    /** The offending part of the expression, rendered as text. */
    readonly expression: string,
    /** The operator or function, e.g. `+`, `substring`, `CASE`. */
    readonly operator: string,
    /** The Delta types of the operands, in order (`null` for an untyped NULL). */
    readonly operandTypes: readonly string[],
    detail: string,
  ) {
    super(`type error in ${expression}: ${operator} cannot take (${operandTypes.join(", ")}): ${detail}`);
  }
}

/** A column name is found in more than one input of a multi-input binding (merge's source and target). */
export class AmbiguousColumnError extends LakelogError {
  readonly code = "AMBIGUOUS_COLUMN";
  constructor(
    readonly columnPath: string,
    /** The aliases of the inputs that have the column. */
    readonly aliases: readonly string[],
  ) {
    super(`ambiguous column ${columnPath}: found in ${aliases.join(", ")} (qualify it, e.g. ${aliases[0]}.${columnPath})`);
  }
}

/**
 * Arithmetic went out of its result type's range (ANSI SQL: an error rather than a wrapped value
 * or NULL), or divided by zero.
 */
export class ArithmeticOverflowError extends LakelogError {
  readonly code = "ARITHMETIC_OVERFLOW";
  constructor(
    readonly expression: string,
    /** The result type whose range was exceeded. */
    readonly resultType: string,
    /** The row of the batch (0-based). */
    readonly row: number,
    detail: string,
  ) {
    super(`arithmetic overflow in ${expression} at row ${row}: ${detail} for ${resultType} (cast to a wider type first)`);
  }
}

/** Division or remainder by zero (ANSI SQL semantics: an error, not NULL). */
export class DivisionByZeroError extends LakelogError {
  readonly code = "DIVIDE_BY_ZERO";
  constructor(
    readonly expression: string,
    /** The row of the batch (0-based). */
    readonly row: number,
  ) {
    super(`division by zero in ${expression} at row ${row} (guard the divisor, e.g. CASE WHEN d = 0 THEN NULL ELSE x / d END)`);
  }
}

/** A value cannot be cast to the requested type (ANSI cast: invalid text or a value out of range). */
export class InvalidCastError extends LakelogError {
  readonly code = "INVALID_CAST";
  constructor(
    /** The value rendered as text. */
    readonly value: string,
    readonly fromType: string,
    readonly toType: string,
    /** The row of the batch (0-based), when evaluating. */
    readonly row: number | undefined,
    detail: string,
  ) {
    super(
      `cannot cast ${value} from ${fromType} to ${toType}${row === undefined ? "" : ` at row ${row}`}: ${detail} (fix the value or guard it with CASE)`,
    );
  }
}
