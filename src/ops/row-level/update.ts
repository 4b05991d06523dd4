/**
 * UPDATE: setting columns of the rows that match a predicate, in one commit. Candidate files are
 * chosen as DELETE chooses them (partition values and statistics); a file is read for its
 * predicate columns first and left alone when no row matches; otherwise it is read whole, the new
 * values are computed with the expression evaluator (converted to the column type by SQL's store
 * assignment rules, NOT NULL and CHECK constraints checked), and the old rows get a deletion
 * vector with the updated rows in a new file, or the file is rewritten (copy-on-write). With
 * `delta.enableChangeDataFeed`, `update_preimage` / `update_postimage` rows are written.
 * See spec/row-level.md.
 */
import { Field, type Data, type RecordBatch, Schema } from "apache-arrow";
import { batchOf } from "../../arrow/data.js";
import { filterBatch } from "../../arrow/filter.js";
import { InvalidArgumentError } from "../../errors/argument-errors.js";
import { IdentityColumnUpdateError } from "../../errors/feature-errors.js";
import { WriteRefusedError } from "../../errors/txn-errors.js";
import { bind, bindValue } from "../../expr/bind.js";
import type { BoundColumn, BoundValue } from "../../expr/bound.js";
import { findColumn } from "../../expr/columns.js";
import { evaluateTriState, evaluateValue } from "../../expr/evaluate.js";
import { lit, type Expression, type LiteralValue } from "../../expr/expression.js";
import { formatExpression } from "../../expr/format.js";
import { parseExpression } from "../../expr/parse.js";
import { type BindInput, resolveColumn, resolverOf } from "../../expr/resolve.js";
import { joinRowTracking, splitRowTracking } from "../../scan/row-tracking-columns.js";
import { preservedRowTracking } from "../../txn/row-tracking.js";
import type { Snapshot } from "../../log/snapshot.js";
import type { ScanEnvironment } from "../../scan/scan.js";
import { type DataType, type StructField, type StructType, typeToString } from "../../schema/types.js";
import { assertWriteSupported } from "../../txn/protocol-support.js";
import type { CommitResult, TransactionOptions } from "../../txn/transaction.js";
import { checkBatch, compileConstraints, type CompiledConstraints } from "../write/constraints.js";
import { isIdentityField } from "../write/identity-columns.js";
import { conformBatch } from "../write/conform.js";
import { compileGeneratedColumns, GeneratedColumnFiller } from "../write/generated-columns.js";
import { commitStaged, selectCandidateFiles, type RowPredicate } from "./candidates.js";
import { findMatchingRows } from "./file-rows.js";
import { countFiles, finishRewrite, newRewriteState, rewriteFile, type FileTransform } from "./merge-rewrite.js";

const TRUE = 2;

/** A new value: SQL text, an expression, or a literal value. */
export type SetValue = string | Expression | LiteralValue;

/** Options of an update. */
export interface UpdateOptions extends TransactionOptions {
  /** Rows to update (all rows without it). */
  where?: string | Expression;
  /** Column name → new value (expressions may read any column of the row before the update). */
  set: Readonly<Record<string, SetValue>>;
  /** Largest deletion vector stored inline in the log, in bytes (default 64). */
  inlineDeletionVectorMaxBytes?: number;
}

/** What an update did (Spark's metric names). */
export interface UpdateMetrics {
  numUpdatedRows: number;
  /** Rows written again unchanged by copy-on-write rewrites. */
  numCopiedRows: number;
  numAddedFiles: number;
  numRemovedFiles: number;
  numDeletionVectorsAdded: number;
  numAddedChangeFiles: number;
  executionTimeMs: number;
}

/** The outcome of an update. */
export interface UpdateResult {
  /** The version committed, or undefined when no row matched (no commit). */
  version: number | undefined;
  metrics: UpdateMetrics;
  commit?: CommitResult;
}

/**
 * One bound assignment: the column's position in the schema and its new value, computed by an
 * expression (`value`) or, for a struct, array, map or variant column, copied whole from a column
 * of the same shape (`copy`: expressions compute primitive values only).
 */
export type Assignment = { index: number; name: string } & (
  { value: BoundValue; copy?: undefined } | { copy: BoundColumn; value?: undefined }
);

/** `value` as an expression: strings are parsed, expressions kept, other values made literals. */
export function toExpression(value: SetValue): Expression {
  if (typeof value === "string") return parseExpression(value);
  if (value !== null && typeof value === "object" && "kind" in value && !(value instanceof Date) && !(value instanceof Uint8Array))
    return value as Expression;
  return lit(value as LiteralValue);
}

/**
 * Binds `set` against `input` (the table schema, or a merge's alias resolver), each value
 * converted to its column's type of `schema`. Throws {@link InvalidArgumentError} for an empty set
 * or a non-primitive column, the binder's typed errors otherwise.
 */
export function bindAssignments(
  set: Readonly<Record<string, SetValue>>,
  schema: StructType,
  input: Parameters<typeof bindValue>[1],
): Assignment[] {
  const entries = Object.entries(set ?? {});
  if (entries.length === 0) throw new InvalidArgumentError("set", "{}", "name at least one column to set");
  return entries.map(([name, value]) => {
    const column = resolveColumn([name], schema);
    const index = schema.fields.findIndex((f) => f.name === column.path[0]);
    if (column.path.length > 1 || index < 0)
      throw new InvalidArgumentError(
        `set.${name}`,
        "a field inside a struct",
        "a top-level column (set the whole struct from a struct column)",
      );
    if (isIdentityField(schema.fields[index]!)) throw new IdentityColumnUpdateError(column.path[0]!);
    return bindAssignment(index, schema.fields[index]!, value, input, `set.${name}`);
  });
}

/**
 * `value` bound as the new value of `field` (position `index`): an expression of a primitive
 * column's type, or, for a struct, array, map or variant column, a reference to a column of the
 * same shape, copied whole. {@link InvalidArgumentError} for any other value of such a column.
 */
export function bindAssignment(index: number, field: StructField, value: SetValue, input: BindInput, argument: string): Assignment {
  if (typeof field.type === "string" && field.type !== "variant")
    return { index, name: field.name, value: bindValue(toExpression(value), input, { targetType: field.type, targetColumn: field.name }) };
  const expr = toExpression(value);
  const copy = expr.kind === "column" ? resolverOf(input).resolve(expr.path) : undefined;
  if (!copy || !sameShape(copy.type, field.type)) {
    const kind = typeof field.type === "string" ? field.type : field.type.type;
    const got = copy ? `${formatExpression(expr)} of type ${typeToString(copy.type)}` : formatExpression(expr);
    throw new InvalidArgumentError(
      argument,
      got,
      `a column of type ${typeToString(field.type)} to copy (a ${kind} column takes no expression)`,
    );
  }
  return { index, name: field.name, copy };
}

/** Same Delta type, struct field names compared case-insensitively, nullability ignored. */
function sameShape(a: DataType, b: DataType): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a.type === "struct" && b.type === "struct")
    return (
      a.fields.length === b.fields.length &&
      a.fields.every((f, k) => f.name.toLowerCase() === b.fields[k]!.name.toLowerCase() && sameShape(f.type, b.fields[k]!.type))
    );
  if (a.type === "array" && b.type === "array") return sameShape(a.elementType, b.elementType);
  if (a.type === "map" && b.type === "map") return sameShape(a.keyType, b.keyType) && sameShape(a.valueType, b.valueType);
  return false;
}

/**
 * The rows of `batch` (table's logical schema) with the assignments applied, conformed to the
 * table schema and checked against NOT NULL and the table's constraints. When `batch` carries
 * row tracking columns (rows read for a rewrite), the updated rows keep their row IDs and get a
 * NULL commit version: the new file's `defaultRowCommitVersion`, the version of this commit.
 */
export function applyAssignments(
  batch: RecordBatch,
  assignments: readonly Assignment[],
  snapshot: Snapshot,
  constraints: CompiledConstraints,
  evalBatch: RecordBatch = batch,
): RecordBatch {
  const names = preservedRowTracking(snapshot);
  const { rows, tracking } = splitRowTracking(batch, names);
  const fields = [...rows.schema.fields];
  const columns = [...(rows.data.children as Data[])];
  for (const a of assignments) {
    const data = a.copy ? copiedColumn(evalBatch, a.copy) : evaluateValue(a.value, evalBatch).data[0]!;
    fields[a.index] = new Field(fields[a.index]!.name, data.type, true);
    columns[a.index] = data;
  }
  const conformed = withGeneratedColumns(batchOf(new Schema(fields), columns, batch.numRows), assignments, snapshot.schema);
  checkBatch(constraints, conformed);
  return joinRowTracking(conformed, tracking, names, true);
}

/**
 * The values of `column` in `batch` for a copy assignment. A column inside a struct (a merge's
 * `source.info`) takes the nulls of the structs around it.
 */
function copiedColumn(batch: RecordBatch, column: BoundColumn): Data {
  const { leaf, ancestors } = findColumn(batch, column);
  if (ancestors.every((d) => d.nullCount === 0)) return leaf;
  const valid = new Uint8Array(leaf.length);
  for (let i = 0; i < leaf.length; i++) valid[i] = ancestors.every((d) => d.getValid(i)) && leaf.getValid(i) ? 1 : 0;
  return withValidity(leaf, valid);
}

/** `data` with the nulls `valid` (one byte per row) gives, its buffers and children shared. */
function withValidity(data: Data, valid: Uint8Array): Data {
  const bitmap = new Uint8Array(Math.ceil((data.offset + data.length) / 8));
  let nulls = 0;
  for (let i = 0; i < data.length; i++) {
    const bit = data.offset + i;
    if (valid[i]) bitmap[bit >> 3]! |= 1 << (bit & 7);
    else nulls++;
  }
  return data.clone(
    data.type,
    data.offset,
    data.length,
    nulls,
    [data.valueOffsets, data.values, bitmap, data.typeIds] as never,
    data.children,
  );
}

/**
 * `rows` conformed to `schema` with its generated columns kept true: recomputed from the new row
 * when not assigned (an update of a column they read changes them too), checked when assigned
 * (throws {@link GeneratedColumnMismatchError}).
 */
function withGeneratedColumns(rows: RecordBatch, assignments: readonly Assignment[], schema: StructType): RecordBatch {
  const generated = compileGeneratedColumns(schema);
  if (generated.length === 0) return conformBatch(rows, schema);
  const assigned = new Set(assignments.map((a) => a.index));
  const recomputed = new Set(generated.filter((g) => !assigned.has(g.index)).map((g) => g.index));
  const keep = rows.schema.fields.map((_, i) => i).filter((i) => !recomputed.has(i));
  const raw = batchOf(
    new Schema(keep.map((i) => rows.schema.fields[i]!)),
    keep.map((i) => rows.data.children[i] as Data),
    rows.numRows,
  );
  return new GeneratedColumnFiller(schema, generated).conform(raw);
}

/**
 * Updates the rows of `snapshot`'s table matching `options.where` and commits once with
 * operation `UPDATE`. I/O: reads the predicate columns of candidate files, then every column of
 * the files with matching rows; writes new files, deletion vectors, change data and one commit.
 * On failure the objects written are deleted (best effort). A concurrent commit that removes a
 * file read or adds a file the predicate could match fails it with a typed conflict error.
 *
 * @example
 * await updateRows(env, snapshot, { where: "id = 3", set: { v: "upper(v)", n: 0 } });
 */
export async function updateRows(env: ScanEnvironment, snapshot: Snapshot, options: UpdateOptions): Promise<UpdateResult> {
  const { engine } = env;
  const started = engine.clock.now();
  assertWriteSupported(snapshot.protocol, snapshot.metadata, snapshot.tableUrl);
  if (snapshot.tableProperties.appendOnly)
    throw new WriteRefusedError(snapshot.tableUrl, "the table is append-only (delta.appendOnly = true); rows cannot be updated");
  const expr = typeof options.where === "string" ? parseExpression(options.where) : options.where;
  const predicate: RowPredicate | undefined = expr && { expr, bound: bind(expr, snapshot.schema) };
  const assignments = bindAssignments(options.set, snapshot.schema, snapshot.schema);
  const constraints = compileConstraints(snapshot.schema, snapshot.metadata.configuration);
  const candidates = selectCandidateFiles(snapshot, predicate);
  const positions = [...candidates.whole, ...candidates.toRead].sort((a, b) => a - b);
  const state = newRewriteState();
  let numUpdatedRows = 0;
  const transform: FileTransform = (batch) => {
    const drop = new Uint8Array(batch.numRows);
    if (predicate) {
      const states = evaluateTriState(predicate.bound, batch);
      for (let i = 0; i < drop.length; i++) drop[i] = states[i] === TRUE ? 1 : 0;
    } else drop.fill(1);
    const taken = filterBatch(batch, drop);
    if (taken.numRows === 0) return { drop, added: [], changes: [] };
    numUpdatedRows += taken.numRows;
    const updated = applyAssignments(taken, assignments, snapshot, constraints);
    return {
      drop,
      added: [updated],
      changes: [
        { type: "update_preimage", batch: taken },
        { type: "update_postimage", batch: updated },
      ],
    };
  };
  try {
    for (const position of positions) {
      options.signal?.throwIfAborted();
      const add = snapshot.files.addFile(position);
      if (predicate && !candidates.metadataOnly) {
        const { matched } = await findMatchingRows(snapshot, env, add, predicate.expr, predicate.bound, options.signal);
        if (matched.cardinality === 0) continue;
      }
      await rewriteFile(env, snapshot, add, transform, state, options.signal);
    }
    await finishRewrite(env, snapshot, state, {
      inlineDeletionVectorMaxBytes: options.inlineDeletionVectorMaxBytes,
      signal: options.signal,
    });
    const metrics: UpdateMetrics = {
      numUpdatedRows,
      numCopiedRows: state.numCopiedRows,
      ...countFiles(state),
      numDeletionVectorsAdded: state.numDeletionVectorsAdded,
      numAddedChangeFiles: state.cdcs.length,
      executionTimeMs: 0,
    };
    return await commitStaged(state, {
      engine,
      base: snapshot,
      read: snapshot,
      predicate,
      operation: "UPDATE",
      operationParameters: { predicate: expr ? [formatExpression(expr)] : [] },
      metrics,
      started,
      options,
    });
  } catch (err) {
    await engine.store.deleteMany(state.writtenKeys).catch(() => undefined);
    throw err;
  }
}
