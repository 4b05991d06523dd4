/**
 * CHECK constraints (`delta.constraints.<name>` table properties) and legacy column invariants
 * (`delta.invariants` field metadata): compiled once per write against the table schema, checked
 * on every conformed batch before it is written. NOT NULL columns are enforced by `conformBatch`.
 *
 * Semantics (Delta Spark `CheckDeltaInvariant`, and PROTOCOL.md "Column Invariants": "abort any
 * transaction that adds a row ... where an invariant evaluates to false or null"): a row passes
 * only when the expression is TRUE; FALSE **and NULL** violate. So `x > 0` refuses rows where x is
 * NULL; write `x IS NULL OR x > 0` to allow them. This differs from standard SQL, where a NULL
 * CHECK result passes.
 *
 * A constraint the predicate parser cannot read (functions, arithmetic, LIKE, CASE...) or that
 * names a missing column fails compilation with {@link UnsupportedConstraintError}: a write never
 * skips a constraint it cannot evaluate.
 */
import type { RecordBatch } from "apache-arrow";
import { ConstraintViolationError, UnsupportedConstraintError } from "../../errors/constraint-errors.js";
import { SchemaMismatchError } from "../../errors/schema-errors.js";
import type { TypeChange } from "../../schema/merge.js";
import { formatFieldPath } from "../../schema/field-path.js";
import { type DataType, type StructType, typeToString } from "../../schema/types.js";
import { bind, type BoundColumn, type BoundExpression } from "../../expr/bind.js";
import { parseExpression } from "../../expr/parse.js";
import { evaluateTriState } from "../../expr/evaluate.js";
import { boundColumnsOf } from "../../expr/bound.js";
import { violationsAt } from "./constraint-values.js";

/** Table property prefix of CHECK constraints (matched case-insensitively, as Spark does). */
export const CONSTRAINT_PREFIX = "delta.constraints.";
/** Field metadata key of legacy column invariants. */
export const INVARIANTS_KEY = "delta.invariants";
/** Violating rows a {@link ConstraintViolationError} shows. */
const EXAMPLES = 5;
/** Three-valued TRUE in `evaluateTriState` results. */
const TRUE = 2;

/** One constraint ready to evaluate. */
export interface CompiledConstraint {
  /** The constraint name, or the column path for a legacy invariant. */
  readonly name: string;
  readonly kind: "check" | "invariant";
  /** The SQL text as stored in the table. */
  readonly expression: string;
  readonly predicate: BoundExpression;
  /** The columns the expression reads (schema spelling). */
  readonly columns: readonly BoundColumn[];
}

/** Every constraint of a table version. */
export interface CompiledConstraints {
  readonly constraints: readonly CompiledConstraint[];
}

/** The table property key for a constraint name (Spark lower-cases names: `delta.constraints.<name>`). */
export function constraintPropertyKey(name: string): string {
  return CONSTRAINT_PREFIX + name.toLowerCase();
}

/**
 * Compiles the table's CHECK constraints (from `configuration`) and legacy invariants (from the
 * schema's field metadata, through structs) against the logical table schema. Throws
 * {@link UnsupportedConstraintError} naming the first constraint that cannot be evaluated. Pure.
 *
 * @example
 * const compiled = compileConstraints(plan.schema, snapshot.metadata.configuration);
 * checkBatch(compiled, conformBatch(batch, plan.schema));
 */
export function compileConstraints(schema: StructType, configuration: Readonly<Record<string, string>>): CompiledConstraints {
  const constraints: CompiledConstraint[] = [];
  for (const [key, expression] of Object.entries(configuration)) {
    if (!key.toLowerCase().startsWith(CONSTRAINT_PREFIX)) continue;
    constraints.push(compileConstraint(schema, key.slice(CONSTRAINT_PREFIX.length), expression, "check"));
  }
  collectInvariants(schema, [], (path, raw) => constraints.push(compileInvariant(schema, path, raw)));
  return { constraints };
}

/** Compiles one constraint's SQL against the schema; {@link UnsupportedConstraintError} when it cannot be evaluated. */
export function compileConstraint(
  schema: StructType,
  name: string,
  expression: string,
  kind: "check" | "invariant" = "check",
): CompiledConstraint {
  let predicate: BoundExpression;
  try {
    predicate = bind(parseExpression(expression), schema);
  } catch (cause) {
    throw new UnsupportedConstraintError(name, expression, kind, cause instanceof Error ? cause.message : String(cause), { cause });
  }
  return { name, kind, expression, predicate, columns: boundColumnsOf(predicate) };
}

function collectInvariants(struct: StructType, parent: string[], found: (path: string[], raw: unknown) => void): void {
  for (const field of struct.fields) {
    const path = [...parent, field.name];
    if (field.metadata[INVARIANTS_KEY] !== undefined) found(path, field.metadata[INVARIANTS_KEY]);
    if (typeof field.type === "object" && field.type.type === "struct") collectInvariants(field.type, path, found);
  }
}

/** `delta.invariants` holds JSON text `{"expression": {"expression": "<SQL>"}}`. */
function compileInvariant(schema: StructType, path: string[], raw: unknown): CompiledConstraint {
  const name = formatFieldPath(path);
  let rule: unknown = raw;
  try {
    if (typeof raw === "string") rule = JSON.parse(raw);
  } catch {
    throw new UnsupportedConstraintError(name, String(raw), "invariant", "delta.invariants is not JSON");
  }
  const sql = (rule as { expression?: { expression?: unknown } } | null)?.expression?.expression;
  if (typeof sql !== "string") {
    throw new UnsupportedConstraintError(
      name,
      typeof raw === "string" ? raw : JSON.stringify(raw),
      "invariant",
      'delta.invariants is not of the form {"expression": {"expression": "<SQL>"}}',
    );
  }
  return compileConstraint(schema, name, sql, "invariant");
}

/**
 * Throws {@link ConstraintViolationError} for the first constraint some row of `batch` does not
 * satisfy (FALSE or NULL), with the violating row count and up to 5 rows' values of the columns
 * it reads. `batch` must be conformed to the schema the constraints were compiled against.
 */
export function checkBatch(compiled: CompiledConstraints, batch: RecordBatch): void {
  for (const constraint of compiled.constraints) {
    const found = findViolations(constraint, batch);
    if (found.count > 0) throw violationError(constraint, violationsAt(batch, constraint.columns, found.rows), found.count);
  }
}

function findViolations(constraint: CompiledConstraint, batch: RecordBatch): { rows: number[]; count: number } {
  if (constraint.predicate.kind === "constant" && constraint.predicate.value === true) return { rows: [], count: 0 };
  const result = evaluateTriState(constraint.predicate, batch);
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < result.length; i++) {
    if (result[i] === TRUE) continue;
    if (rows.length < EXAMPLES) rows.push(i);
    count++;
  }
  return { rows, count };
}

function violationError(
  constraint: CompiledConstraint,
  violations: ConstraintViolationError["violations"],
  count: number,
): ConstraintViolationError {
  return new ConstraintViolationError(constraint.name, constraint.expression, constraint.kind, violations, count);
}

/**
 * For adding a CHECK constraint: compiles it against `schema` and checks every existing row
 * (the batches of a full scan of the table's current version, with logical column names).
 * Reads all batches to count the violating rows; throws {@link ConstraintViolationError} (row
 * numbers count from the first batch) or {@link UnsupportedConstraintError}. Stops with the
 * signal's reason when aborted.
 *
 * @example
 * await validateExistingData(scanBatches(snapshot), { name: "positive_id", expression: "id > 0", schema: snapshot.schema }, { signal });
 */
export async function validateExistingData(
  batches: AsyncIterable<RecordBatch>,
  check: { name: string; expression: string; schema: StructType },
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const { name, expression, schema } = check;
  const constraint = compileConstraint(schema, name, expression, "check");
  const examples: ConstraintViolationError["violations"][number][] = [];
  let count = 0;
  let offset = 0;
  options.signal?.throwIfAborted();
  for await (const batch of batches) {
    options.signal?.throwIfAborted();
    const found = findViolations(constraint, batch);
    if (found.count > 0 && examples.length < EXAMPLES) {
      const rows = found.rows.slice(0, EXAMPLES - examples.length);
      for (const v of violationsAt(batch, constraint.columns, rows)) examples.push({ ...v, row: v.row + offset });
    }
    count += found.count;
    offset += batch.numRows;
  }
  if (count > 0) throw violationError(constraint, examples, count);
}

/**
 * Names of the constraints that read a column at or inside `path` (or a struct enclosing it),
 * compared case-insensitively. Delta refuses to change the type of such columns.
 */
export function dependentConstraints(compiled: CompiledConstraints, path: readonly string[]): string[] {
  const target = path.map((p) => p.toLowerCase());
  const overlaps = (column: readonly string[]) => {
    const c = column.map((p) => p.toLowerCase());
    const n = Math.min(c.length, target.length);
    return c.slice(0, n).every((p, i) => p === target[i]);
  };
  return compiled.constraints.filter((k) => k.columns.some((col) => overlaps(col.path))).map((k) => k.name);
}

/**
 * Throws {@link SchemaMismatchError} when a write would widen the type of a column a constraint
 * reads (Delta: `DELTA_CONSTRAINT_DATA_TYPE_MISMATCH`); pass `planWriteSchema(...).typeChanges`.
 */
export function assertNoDependentConstraints(compiled: CompiledConstraints, typeChanges: readonly TypeChange[]): void {
  for (const change of typeChanges) {
    const names = dependentConstraints(compiled, change.path);
    if (names.length === 0) continue;
    throw new SchemaMismatchError(
      formatFieldPath(change.path),
      show(change.fromType),
      show(change.toType),
      `the column's type cannot change while constraints read it: ${names.join(", ")} (drop them first, or cast the data to the column's type)`,
    );
  }
}

function show(type: DataType): string {
  return typeToString(type);
}
