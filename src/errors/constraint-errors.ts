/**
 * Errors about rows that break a table's constraints (NOT NULL columns, CHECK constraints, legacy
 * column invariants), and about constraints lakelog cannot evaluate. A write that throws one of
 * these has written nothing to the log.
 */
import { LakelogError } from "./base.js";

/** A null in a column (or nested field, array element, map key or value) that is declared NOT NULL. */
export class NullConstraintError extends LakelogError {
  readonly code = "NOT_NULL_VIOLATION";
  constructor(
    /** The column path, dotted; `element`, `key` and `value` name the insides of arrays and maps. */
    readonly columnPath: string,
    /** The first offending row of the batch (for array elements and map entries, the row holding them). */
    readonly row: number,
    /** How many nulls of this column are not allowed in the batch. */
    readonly count: number,
  ) {
    super(
      `NOT NULL constraint violated: column ${columnPath} is null at row ${row}${count > 1 ? ` (${count} nulls in the batch)` : ""} (supply values, or write null only where the column is nullable)`,
    );
  }
}

/** One row that broke a constraint, with the values of the columns the constraint reads. */
export interface ConstraintViolation {
  /** Row index within the batch that was checked. */
  readonly row: number;
  /** Column path (dotted) → value: numbers, bigints, strings, booleans, null; dates `YYYY-MM-DD`, timestamps ISO text, decimals exact text, binary as bytes. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Rows whose CHECK constraint (or legacy column invariant) is not TRUE: FALSE or NULL both violate. */
export class ConstraintViolationError extends LakelogError {
  readonly code = "CONSTRAINT_VIOLATION";
  constructor(
    /** The constraint name (`delta.constraints.<name>`), or the column path for a legacy invariant. */
    readonly constraintName: string,
    /** The constraint's SQL text. */
    readonly expression: string,
    readonly kind: "check" | "invariant",
    /** The first few violating rows (at most 5). */
    readonly violations: readonly ConstraintViolation[],
    /** How many rows of the checked batch violate it. */
    readonly violatingRows: number,
  ) {
    super(
      `${kind === "check" ? `CHECK constraint ${constraintName}` : `invariant on ${constraintName}`} (${expression}) violated by ${violatingRows} row${violatingRows === 1 ? "" : "s"}: ` +
        `${violations.map(describe).join("; ")} (a row passes only when the expression is TRUE; NULL fails)`,
    );
  }
}

function describe(v: ConstraintViolation): string {
  const values = Object.entries(v.values).map(([k, x]) => `${k} = ${show(x)}`);
  return `row ${v.row}: ${values.join(", ") || "(no columns)"}`;
}

function show(x: unknown): string {
  if (x === null || x === undefined) return "NULL";
  if (typeof x === "string") return JSON.stringify(x);
  if (x instanceof Uint8Array)
    return `X'${Array.from(x.subarray(0, 32), (b) => b.toString(16).padStart(2, "0")).join("")}${x.length > 32 ? "…" : ""}'`;
  return String(x);
}

/**
 * A constraint lakelog cannot evaluate (its SQL uses functions or syntax the predicate parser
 * does not know, names a missing column, or is malformed). Writes refuse to run rather than skip it.
 */
export class UnsupportedConstraintError extends LakelogError {
  readonly code = "UNSUPPORTED_CONSTRAINT";
  constructor(
    readonly constraintName: string,
    readonly expression: string,
    readonly kind: "check" | "invariant",
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot enforce ${kind === "check" ? `CHECK constraint ${constraintName}` : `invariant on ${constraintName}`} (${expression}): ${detail} (lakelog refuses to write rather than skip a constraint; drop or rewrite the constraint with a Delta engine that supports it)`,
      options,
    );
  }
}
