/**
 * Exact row filtering: evaluates a bound predicate on an Arrow record batch whose columns carry
 * logical names, with SQL three-valued logic. Simple comparisons on primitive columns run as
 * typed-array loops over the Arrow buffers (see `expr-kernels.ts`).
 */
import { type Data, type RecordBatch, type Struct, type Timestamp, TimeUnit, Type } from "apache-arrow";
import { UnknownColumnError } from "../errors/expression-errors.js";
import { applyOp, type BoundColumn, type BoundExpression, type ScalarColumn } from "./expr-bind.js";
import { formatColumnPath } from "./expr-format.js";
import { applyNulls, compareData, FALSE, inNumbers, NULL, TRUE } from "./expr-kernels.js";
import { readScalar } from "./expr-read.js";
import { compareScalars, isDecimalValue, type Scalar } from "./expr-values.js";
import type { CompareOp } from "./expression.js";

/**
 * Which rows of `batch` satisfy `expr`: a mask with 1 where the predicate is TRUE and 0 where it
 * is FALSE or NULL (SQL: a NULL condition does not select the row). Columns are looked up by
 * their logical path (exact name first, then case-insensitively); a struct that is null makes
 * its fields null. Throws {@link UnknownColumnError} when the batch lacks a column.
 *
 * @example
 * const mask = evaluate(bind(col("id").gt(5), schema), batch);
 * const selected = filterBatch(batch, mask);
 */
export function evaluate(expr: BoundExpression, batch: RecordBatch): Uint8Array {
  const out = evaluateTriState(expr, batch);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! >> 1;
  return out;
}

/**
 * The three-valued result per row: 0 = FALSE, 1 = NULL, 2 = TRUE. (Rows a DELETE keeps are
 * those whose predicate is not TRUE: `out[i] !== 2`.)
 */
export function evaluateTriState(expr: BoundExpression, batch: RecordBatch): Uint8Array {
  return evalNode(expr, batch, batch.numRows);
}

function evalNode(e: BoundExpression, batch: RecordBatch, n: number): Uint8Array {
  switch (e.kind) {
    case "constant":
      return new Uint8Array(n).fill(e.value === true ? TRUE : e.value === null ? NULL : FALSE);
    case "compare":
      return compareColumn(findColumn(batch, e.column), e.column, e.op, e.value);
    case "compareColumns":
      return compareColumns(batch, e.left, e.right, e.op, e.compareType);
    case "in":
      return evalIn(batch, e.column, e.values, e.hasNull);
    case "isNull":
    case "isNotNull": {
      const found = findColumn(batch, e.column);
      const isNull = e.kind === "isNull";
      const out = new Uint8Array(n).fill(isNull ? FALSE : TRUE);
      for (const d of [found.leaf, ...found.ancestors]) applyNulls(out, d, isNull ? TRUE : FALSE);
      return out;
    }
    case "and":
    case "or": {
      const out = evalNode(e.children[0]!, batch, n);
      for (let k = 1; k < e.children.length; k++) {
        const next = evalNode(e.children[k]!, batch, n);
        combineInto(out, next, e.kind === "and" ? MIN : MAX);
      }
      return out;
    }
    case "not": {
      const out = evalNode(e.child, batch, n);
      for (let i = 0; i < n; i++) out[i] = TRUE - out[i]!;
      return out;
    }
  }
}

/** Three-valued AND (min) and OR (max) as lookup tables indexed by `3a + b`: no branches. */
const MIN = Uint8Array.of(0, 0, 0, 0, 1, 1, 0, 1, 2);
const MAX = Uint8Array.of(0, 1, 2, 1, 1, 2, 2, 2, 2);

function combineInto(out: Uint8Array, next: Uint8Array, table: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = table[out[i]! * 3 + next[i]!]!;
}

/** A column's data in the batch and the structs enclosing it (whose nulls make it null). */
interface FoundColumn {
  leaf: Data;
  ancestors: Data[];
}

function pickChild(names: string[], name: string): number {
  const exact = names.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  return names.findIndex((n) => n.toLowerCase() === lower);
}

function findColumn(batch: RecordBatch, column: BoundColumn): FoundColumn {
  const path = column.path;
  const missing = (names: string[]) => new UnknownColumnError(formatColumnPath(path), names);
  const topNames = batch.schema.fields.map((f) => f.name);
  const top = pickChild(topNames, path[0]!);
  if (top < 0) throw missing(topNames);
  let data: Data = batch.data.children[top]!;
  const ancestors: Data[] = [];
  for (let k = 1; k < path.length; k++) {
    if (data.type.typeId !== Type.Struct) throw missing([]);
    const names = (data.type as Struct).children.map((f) => f.name);
    const idx = pickChild(names, path[k]!);
    if (idx < 0) throw missing(names);
    ancestors.push(data);
    data = data.children[idx]!;
  }
  return { leaf: data, ancestors };
}

function compareColumn(found: FoundColumn, column: ScalarColumn, op: CompareOp, value: Scalar): Uint8Array {
  const leaf = found.leaf;
  let out = compareData(leaf, op, value);
  if (!out) {
    out = new Uint8Array(leaf.length);
    for (let i = 0; i < leaf.length; i++) {
      const v = readScalar(leaf, i);
      out[i] = v === null ? NULL : applyOp(op, compareScalars(v, value, column.type)) ? TRUE : FALSE;
    }
  }
  for (const a of found.ancestors) applyNulls(out, a);
  return out;
}

function compareColumns(batch: RecordBatch, left: ScalarColumn, right: ScalarColumn, op: CompareOp, type: ScalarColumn["type"]): Uint8Array {
  const a = findColumn(batch, left);
  const b = findColumn(batch, right);
  const out = new Uint8Array(batch.numRows);
  for (let i = 0; i < out.length; i++) {
    const x = readScalar(a.leaf, i);
    const y = readScalar(b.leaf, i);
    out[i] = x === null || y === null ? NULL : applyOp(op, compareScalars(x, y, type)) ? TRUE : FALSE;
  }
  for (const d of [...a.ancestors, ...b.ancestors]) applyNulls(out, d);
  return out;
}

/** Lists up to this long run as one equality kernel per value; longer ones use a hash set. */
const IN_KERNEL_LIMIT = 16;

function evalIn(batch: RecordBatch, column: ScalarColumn, values: readonly Scalar[], hasNull: boolean): Uint8Array {
  const found = findColumn(batch, column);
  const out = inNumbers(found.leaf, values) ?? inOther(found.leaf, column, values);
  if (hasNull) for (let i = 0; i < out.length; i++) if (out[i] === FALSE) out[i] = NULL;
  for (const a of found.ancestors) applyNulls(out, a);
  return out;
}

/** IN for columns not held as JS numbers: equality kernels for short lists, a hash set for long ones. */
function inOther(leaf: Data, column: ScalarColumn, values: readonly Scalar[]): Uint8Array {
  const out = new Uint8Array(leaf.length);
  const nanoTimestamps = leaf.type.typeId === Type.Timestamp && (leaf.type as Timestamp).unit === TimeUnit.NANOSECOND;
  if (values.length <= IN_KERNEL_LIMIT || nanoTimestamps) {
    applyNulls(out, leaf);
    for (const v of values) combineInto(out, compareColumn({ leaf, ancestors: [] }, column, "=", v), MAX);
    return out;
  }
  const keys = new Set(values.map(scalarKey));
  for (let i = 0; i < out.length; i++) {
    const v = readScalar(leaf, i);
    out[i] = v === null ? NULL : keys.has(scalarKey(v)) ? TRUE : FALSE;
  }
  return out;
}

/** A hash key equal for equal values of one type (decimals normalised; bytes as latin1 text). */
function scalarKey(v: Scalar): unknown {
  if (isDecimalValue(v)) {
    let { unscaled, scale } = v;
    while (scale > 0 && unscaled % 10n === 0n) {
      unscaled /= 10n;
      scale--;
    }
    return `${unscaled}e${scale}`;
  }
  if (v instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
    return s;
  }
  return v;
}
