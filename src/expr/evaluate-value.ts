/**
 * Vectorised evaluation of bound value expressions over one record batch, into a {@link Col}.
 * CASE evaluates each branch's condition only on the rows no earlier branch took, and each THEN
 * only on the rows it selects; COALESCE evaluates an argument only on the rows still NULL (so
 * `CASE WHEN d = 0 THEN NULL ELSE x / d END` never divides by zero), as Spark does.
 */
import type { RecordBatch } from "apache-arrow";
import { maskToIndices, takeBatch } from "../arrow/filter.js";
import { absolute, arithmetic, negate, type RowOf } from "./arithmetic.js";
import type { BoundExpression, BoundValue, ValueType } from "./bound.js";
import { castScalar } from "./cast-value.js";
import { findColumn } from "./columns.js";
import { applyOp } from "./bind.js";
import { like, stringFunction } from "./functions.js";
import { dateFunction, isDateFunction } from "./date-functions.js";
import { asDecimalParts, isDecimal, isIntegral, isNumberKind } from "./typing.js";
import { compareScalars, pow10 } from "./values.js";
import { allocate, type Col, constantCol, getScalar, readCol, setScalar } from "./vectors.js";

/** Three-valued bytes: 0 FALSE, 1 NULL, 2 TRUE. */
const [FALSE, NULL, TRUE] = [0, 1, 2];

/** What evaluation needs besides the expression: the batch, the row numbering, predicates. */
export interface ValueEvalContext {
  readonly batch: RecordBatch;
  /** Row of the caller's batch for row i of `batch` (errors name it). */
  readonly rowOf: RowOf;
  /** Evaluates a bound predicate on a batch, three-valued. */
  readonly predicate: (e: BoundExpression, batch: RecordBatch, rowOf: RowOf) => Uint8Array;
}

/** Evaluates `v` on every row of the context's batch. */
export function evaluateValueColumn(v: BoundValue, ctx: ValueEvalContext): Col {
  const n = ctx.batch.numRows;
  switch (v.kind) {
    case "column":
      return readCol(findColumn(ctx.batch, v.column), v.type);
    case "literal":
      return constantCol(v.value, v.type, n);
    case "arithmetic":
      return arithmetic(v.op, evaluateValueColumn(v.left, ctx), evaluateValueColumn(v.right, ctx), v.type, v.text, ctx.rowOf);
    case "negate":
      return v.type === "null" ? constantCol(null, "null", n) : negate(evaluateValueColumn(v.child, ctx), v.text, ctx.rowOf);
    case "cast":
      return castCol(evaluateValueColumn(v.child, ctx), v.type, ctx.rowOf);
    case "case":
      return evaluateCase(v, ctx);
    case "coalesce":
      return evaluateCoalesce(v.args, v.type, ctx);
    case "function": {
      const args = v.args.map((a) => evaluateValueColumn(a, ctx));
      if (args.some((a) => a.type === "null")) return constantCol(null, v.type, n);
      if (isDateFunction(v.name)) return dateFunction(v.name, args[0]!);
      return v.name === "abs" ? absolute(args[0]!, v.text, ctx.rowOf) : stringFunction(v.name, args);
    }
    default:
      return fromTriState(toTriState(v, ctx));
  }
}

/** A boolean value's three-valued bytes per row. */
export function toTriState(v: BoundValue, ctx: ValueEvalContext): Uint8Array {
  switch (v.kind) {
    case "predicate":
      return ctx.predicate(v.predicate, ctx.batch, ctx.rowOf);
    case "compare": {
      const a = evaluateValueColumn(v.left, ctx);
      const b = evaluateValueColumn(v.right, ctx);
      const out = new Uint8Array(a.length);
      const numbers = isNumberKind(v.compareType) && v.compareType !== "float" && v.compareType !== "double";
      for (let i = 0; i < out.length; i++) {
        if (a.valid[i] === 0 || b.valid[i] === 0) out[i] = NULL;
        else if (numbers) {
          const x = a.values[i] as number;
          const y = b.values[i] as number;
          out[i] = applyOp(v.op, x < y ? -1 : x > y ? 1 : 0) ? TRUE : FALSE;
        } else out[i] = applyOp(v.op, compareScalars(getScalar(a, i)!, getScalar(b, i)!, v.compareType as never)) ? TRUE : FALSE;
      }
      return out;
    }
    case "like":
      return like(evaluateValueColumn(v.value, ctx), evaluateValueColumn(v.pattern, ctx), v.escape);
    case "in": {
      const a = evaluateValueColumn(v.value, ctx);
      const out = new Uint8Array(a.length);
      for (let i = 0; i < out.length; i++) {
        const x = getScalar(a, i);
        if (x === null) out[i] = NULL;
        else if (v.values.some((y) => compareScalars(x, y, a.type as never) === 0)) out[i] = TRUE;
        else out[i] = v.hasNull ? NULL : FALSE;
      }
      return out;
    }
    case "isNull": {
      const a = evaluateValueColumn(v.child, ctx);
      const out = new Uint8Array(a.length);
      for (let i = 0; i < out.length; i++) out[i] = (a.valid[i] === 0) !== v.negated ? TRUE : FALSE;
      return out;
    }
    default: {
      const col = evaluateValueColumn(v, ctx);
      const out = new Uint8Array(col.length);
      for (let i = 0; i < out.length; i++) out[i] = col.valid[i] === 0 ? NULL : col.values[i] ? TRUE : FALSE;
      return out;
    }
  }
}

function fromTriState(tri: Uint8Array): Col {
  const out = allocate("boolean", tri.length);
  for (let i = 0; i < tri.length; i++) {
    out.valid[i] = tri[i] === NULL ? 0 : 1;
    out.values[i] = tri[i] === TRUE ? 1 : 0;
  }
  return out;
}

/** Casts every row (ANSI: a value that does not convert is an error). */
export function castCol(col: Col, to: ValueType, rowOf: RowOf): Col {
  const out = allocate(to, col.length);
  if (col.type === "null" || to === "null") return out;
  const widening =
    isNumberKind(col.type) &&
    (to === "double" || (to === "integer" && (col.type === "byte" || col.type === "short")) || (to === "short" && col.type === "byte"));
  if (widening) {
    (out.values as Float64Array).set(col.values as Float64Array);
    out.valid.set(col.valid);
    return out;
  }
  if (isIntegral(col.type) && isDecimal(to)) return integralToDecimal(col, out, rowOf);
  if (to === "long" && isIntegral(col.type)) return integralToLong(col, out);
  if (col.type === "long" && to === "double") {
    const [src, dst] = [col.values as BigInt64Array, out.values as Float64Array];
    for (let i = 0; i < col.length; i++) if (col.valid[i]) dst[i] = Number(src[i]!);
    out.valid.set(col.valid);
    return out;
  }
  for (let i = 0; i < col.length; i++) {
    const v = getScalar(col, i);
    setScalar(out, i, v === null ? null : castScalar(v, col.type, to, rowOf(i)));
  }
  return out;
}

/** byte, short, integer (exact doubles below 2^31) into long: the two 32-bit words, no bigint per row. */
function integralToLong(col: Col, out: Col): Col {
  const src = col.values as Float64Array;
  const dst = out.values as BigInt64Array;
  const words = new Int32Array(dst.buffer, dst.byteOffset, dst.length * 2);
  for (let i = 0; i < col.length; i++) {
    const v = src[i]!;
    words[2 * i] = v; // ToInt32: the low word
    words[2 * i + 1] = v < 0 ? -1 : 0;
  }
  out.valid.set(col.valid);
  return out;
}

function integralToDecimal(col: Col, out: Col, rowOf: RowOf): Col {
  const { precision, scale } = asDecimalParts(out.type)!;
  const factor = pow10(scale);
  const limit = pow10(precision);
  const values = out.values as unknown[];
  for (let i = 0; i < col.length; i++) {
    if (col.valid[i] === 0) continue;
    const v = BigInt(col.values[i] as number | bigint) * factor;
    if ((v < 0n ? -v : v) >= limit) castScalar(col.values[i] as number | bigint, col.type, out.type, rowOf(i)); // throws, typed
    values[i] = v;
    out.valid[i] = 1;
  }
  return out;
}

/**
 * Runs `fn` on the rows of `mask` only (as a smaller batch) and returns its result with the
 * indices it covers; undefined when no row is selected.
 */
function onRows<T>(
  mask: Uint8Array,
  ctx: ValueEvalContext,
  fn: (sub: ValueEvalContext) => T,
): { result: T; indices: Uint32Array | undefined } | undefined {
  const indices = maskToIndices(mask);
  if (indices.length === 0) return undefined;
  if (indices.length === mask.length) return { result: fn(ctx), indices: undefined };
  const sub: ValueEvalContext = { ...ctx, batch: takeBatch(ctx.batch, indices), rowOf: (i) => ctx.rowOf(indices[i]!) };
  return { result: fn(sub), indices };
}

function scatter(out: Col, part: Col, indices: Uint32Array | undefined): void {
  for (let k = 0; k < part.length; k++) {
    const i = indices ? indices[k]! : k;
    out.valid[i] = part.valid[k]!;
    (out.values as unknown[])[i] = part.values[k];
  }
}

function evaluateCase(v: BoundValue & { kind: "case" }, ctx: ValueEvalContext): Col {
  const n = ctx.batch.numRows;
  const out = allocate(v.type, n);
  const undecided = new Uint8Array(n).fill(1);
  for (const branch of v.branches) {
    const tested = onRows(undecided, ctx, (sub) => ctx.predicate(branch.when, sub.batch, sub.rowOf));
    if (!tested) return out;
    const taken = new Uint8Array(n);
    tested.result.forEach((t, k) => {
      if (t === TRUE) taken[tested.indices ? tested.indices[k]! : k] = 1;
    });
    const value = onRows(taken, ctx, (sub) => evaluateValueColumn(branch.then, sub));
    if (value) scatter(out, value.result, value.indices);
    for (let i = 0; i < n; i++) if (taken[i]) undecided[i] = 0;
  }
  const rest = onRows(undecided, ctx, (sub) => evaluateValueColumn(v.otherwise, sub));
  if (rest) scatter(out, rest.result, rest.indices);
  return out;
}

function evaluateCoalesce(args: readonly BoundValue[], type: ValueType, ctx: ValueEvalContext): Col {
  const n = ctx.batch.numRows;
  const out = allocate(type, n);
  const pending = new Uint8Array(n).fill(1);
  for (const arg of args) {
    const part = onRows(pending, ctx, (sub) => evaluateValueColumn(arg, sub));
    if (!part) break;
    const { result, indices } = part;
    for (let k = 0; k < result.length; k++) {
      if (result.valid[k] === 0) continue;
      const i = indices ? indices[k]! : k;
      out.valid[i] = 1;
      (out.values as unknown[])[i] = result.values[k];
      pending[i] = 0;
    }
  }
  return out;
}
