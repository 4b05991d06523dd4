/**
 * Exact row filtering: evaluates a bound predicate on an Arrow record batch whose columns carry
 * logical names, with SQL three-valued logic. Simple comparisons on primitive columns run as
 * typed-array loops over the Arrow buffers (see `expr-kernels.ts`).
 */
import { type Data, type RecordBatch, type Timestamp, TimeUnit, type Vector, Type } from "apache-arrow";
import { applyOp, type BoundExpression, type BoundValue, type ScalarColumn } from "./bind.js";
import { findColumn, type FoundColumn } from "./columns.js";
import { evaluateValueColumn, toTriState } from "./evaluate-value.js";
import { toVector } from "./vectors.js";
import { maskToIndices, takeBatch } from "../arrow/filter.js";
import { applyNulls, compareData, FALSE, inNumbers, NULL, TRUE } from "./kernels.js";
import { readScalar } from "./read.js";
import { compareScalars, isDecimalValue, type Scalar } from "./values.js";
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
 * those whose predicate is not TRUE: `out[i] !== 2`.) Throws the typed evaluation errors of
 * value expressions ({@link ArithmeticOverflowError}, {@link DivisionByZeroError},
 * {@link InvalidCastError}) for rows where a computed value fails.
 */
export function evaluateTriState(expr: BoundExpression, batch: RecordBatch): Uint8Array {
  return evalNode(expr, batch, batch.numRows, identity);
}

const identity = (i: number) => i;

/**
 * Evaluates a bound value expression (from `bindValue`) on every row of `batch` and returns an
 * Arrow vector of `batch.numRows` values, typed as lakelog maps the expression's Delta type
 * (`integer` → Int32, `long` → Int64, `decimal(p,s)` → Decimal128(p,s), `timestamp` →
 * Timestamp(µs, UTC), `date` → DateDay, `string` → Utf8...; an untyped NULL → Null). NULL rows
 * are null. Pure and synchronous. Throws {@link UnknownColumnError} when the batch lacks a
 * column, and, ANSI style, {@link ArithmeticOverflowError}, {@link DivisionByZeroError} or
 * {@link InvalidCastError} naming the row where a value cannot be computed.
 *
 * @example
 * const newPrice = evaluateValue(bindValue(parseExpression("price * 1.1"), schema), batch);
 */
export function evaluateValue(expr: BoundValue, batch: RecordBatch): Vector {
  return toVector(evaluateValueColumn(expr, valueContext(batch, identity)));
}

function valueContext(batch: RecordBatch, rowOf: (i: number) => number) {
  return { batch, rowOf, predicate: (e: BoundExpression, b: RecordBatch, r: (i: number) => number) => evalNode(e, b, b.numRows, r) };
}

function evalNode(e: BoundExpression, batch: RecordBatch, n: number, rowOf: (i: number) => number): Uint8Array {
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
      const out = evalNode(e.children[0]!, batch, n, rowOf);
      for (let k = 1; k < e.children.length; k++) {
        const next = evalChild(e.children[k]!, e.kind, out, batch, n, rowOf);
        combineInto(out, next, e.kind === "and" ? MIN : MAX);
      }
      return out;
    }
    case "not": {
      const out = evalNode(e.child, batch, n, rowOf);
      for (let i = 0; i < n; i++) out[i] = TRUE - out[i]!;
      return out;
    }
    case "test":
      return toTriState(e.value, valueContext(batch, rowOf));
  }
}

/**
 * A later child of AND (OR) that computes values is evaluated only on the rows the earlier
 * children left undecided (not FALSE for AND, not TRUE for OR), so `d <> 0 AND x / d > 1` never
 * divides by zero; the other rows get the neutral value.
 */
function evalChild(
  child: BoundExpression,
  kind: "and" | "or",
  sofar: Uint8Array,
  batch: RecordBatch,
  n: number,
  rowOf: (i: number) => number,
): Uint8Array {
  const decided = kind === "and" ? FALSE : TRUE;
  if (!computes(child) || !sofar.includes(decided)) return evalNode(child, batch, n, rowOf);
  const mask = sofar.map((v) => (v === decided ? 0 : 1));
  const out = new Uint8Array(n).fill(decided);
  const indices = maskToIndices(mask);
  if (indices.length === 0) return out;
  const part = evalNode(child, takeBatch(batch, indices), indices.length, (i) => rowOf(indices[i]!));
  for (let k = 0; k < indices.length; k++) out[indices[k]!] = part[k]!;
  return out;
}

function computes(e: BoundExpression): boolean {
  if (e.kind === "test") return true;
  if (e.kind === "and" || e.kind === "or") return e.children.some(computes);
  return e.kind === "not" && computes(e.child);
}

/** Three-valued AND (min) and OR (max) as lookup tables indexed by `3a + b`: no branches. */
const MIN = Uint8Array.of(0, 0, 0, 0, 1, 1, 0, 1, 2);
const MAX = Uint8Array.of(0, 1, 2, 1, 1, 2, 2, 2, 2);

function combineInto(out: Uint8Array, next: Uint8Array, table: Uint8Array): void {
  for (let i = 0; i < out.length; i++) out[i] = table[out[i]! * 3 + next[i]!]!;
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

function compareColumns(
  batch: RecordBatch,
  left: ScalarColumn,
  right: ScalarColumn,
  op: CompareOp,
  type: ScalarColumn["type"],
): Uint8Array {
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
