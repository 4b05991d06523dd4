/**
 * Converts user literals to the typed value of a column's Delta type (see `expression.ts` for
 * which JS values each type takes). A literal the type cannot hold exactly (`2.5` for an integer,
 * `1.005` for `decimal(10,2)`) is rounded toward −∞ and flagged inexact, so `bind` can rewrite the
 * comparison into an exactly equivalent one.
 */
import { IncompatibleLiteralError } from "../errors/expression-errors.js";
import { decimalParts, type PrimitiveTypeName } from "../schema/types.js";
import { formatLiteral } from "./format.js";
import { microsToDays, parseTimestampText, timestampToMicros } from "./time.js";
import { parseDateText, parseDecimalText, rescaleDecimal, utf8, type DecimalValue, type Scalar } from "./values.js";
import type { LiteralExpression } from "./expression.js";

/** A coerced literal: the value (rounded toward −∞ when not exact) and whether it is exact. */
export interface Coerced {
  value: Scalar;
  exact: boolean;
}

type Numeric = { kind: "finite"; value: DecimalValue } | { kind: "nan" } | { kind: "inf"; sign: 1 | -1 };

const TWO_53 = 2n ** 53n;
const TWO_64 = 2n ** 64n;

function numericOf(lit: LiteralExpression): Numeric | undefined {
  const v = lit.value;
  if (typeof v === "bigint") return { kind: "finite", value: { unscaled: v, scale: 0 } };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { kind: "nan" };
    if (!Number.isFinite(v)) return { kind: "inf", sign: v > 0 ? 1 : -1 };
    const d = parseDecimalText(lit.text ?? String(v));
    return d && { kind: "finite", value: d };
  }
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  if (/^nan$/i.test(t)) return { kind: "nan" };
  const inf = /^([+-]?)inf(inity)?$/i.exec(t);
  if (inf) return { kind: "inf", sign: inf[1] === "-" ? -1 : 1 };
  const d = parseDecimalText(t);
  return d && { kind: "finite", value: d };
}

/**
 * Coerces a non-null literal to `type`. Throws {@link IncompatibleLiteralError} when the literal
 * cannot be read as that type, naming `columnPath` (the column it meets), or else `expression`
 * (the computed value it meets, as text).
 */
export function coerceLiteral(
  lit: LiteralExpression,
  type: PrimitiveTypeName,
  columnPath: string | undefined,
  expression?: string,
): Coerced {
  const fail = (detail: string): never => {
    throw new IncompatibleLiteralError(columnPath, type, formatLiteral(lit.value, lit.text), detail, expression);
  };
  switch (type) {
    case "byte":
    case "short":
    case "integer":
      return coerceIntegral(lit, false, fail);
    case "long":
      return coerceIntegral(lit, true, fail);
    case "float":
    case "double":
      return coerceFloating(lit, type === "float", fail);
    case "string":
      return typeof lit.value === "string"
        ? { value: lit.value, exact: true }
        : fail("a string column compares with strings only (quote the value)");
    case "binary":
      if (lit.value instanceof Uint8Array) return { value: lit.value, exact: true };
      return typeof lit.value === "string"
        ? { value: utf8(lit.value), exact: true }
        : fail("expected a Uint8Array or a string (UTF-8 bytes)");
    case "boolean":
      return coerceBoolean(lit, fail);
    case "date":
      return coerceDate(lit, fail);
    case "timestamp":
    case "timestamp_ntz":
      return coerceTimestamp(lit, fail);
    case "variant":
      return fail("variant columns cannot be compared");
  }
  const decimal = decimalParts(type);
  if (!decimal) return fail("unsupported column type");
  const n = numericOf(lit);
  if (!n) return fail("expected decimal text, a number or a bigint");
  if (n.kind !== "finite") return fail("a decimal cannot be NaN or infinite");
  const { unscaled, exact } = rescaleDecimal(n.value, decimal.scale);
  return { value: { unscaled, scale: decimal.scale }, exact };
}

function coerceIntegral(lit: LiteralExpression, isLong: boolean, fail: (detail: string) => never): Coerced {
  const v = lit.value;
  if (isLong && typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v) && lit.text === undefined) {
    fail("numbers past 2^53 are not exact: pass a bigint or a string");
  }
  const n = numericOf(lit);
  if (!n) return fail("expected a number, a bigint or numeric text");
  if (n.kind === "nan") return fail("NaN compares only with float or double columns");
  const limit = isLong ? TWO_64 : TWO_53;
  if (n.kind === "inf") return { value: isLong ? BigInt(n.sign) * limit : n.sign * Number(limit), exact: false };
  let { unscaled, exact } = rescaleDecimal(n.value, 0);
  if (unscaled > limit || unscaled < -limit) {
    unscaled = unscaled > 0n ? limit : -limit;
    exact = false;
  }
  return { value: isLong ? unscaled : Number(unscaled), exact };
}

function coerceFloating(lit: LiteralExpression, isFloat: boolean, fail: (detail: string) => never): Coerced {
  const v = lit.value;
  let x: number;
  if (typeof v === "number") x = v;
  else if (typeof v === "bigint") x = Number(v);
  else {
    const n = typeof v === "string" ? numericOf(lit) : undefined;
    if (!n) return fail("expected a number, a bigint or numeric text");
    x = n.kind === "nan" ? NaN : n.kind === "inf" ? n.sign * Infinity : Number((v as string).trim());
  }
  return { value: isFloat ? Math.fround(x) : x, exact: true };
}

function coerceBoolean(lit: LiteralExpression, fail: (detail: string) => never): Coerced {
  const v = lit.value;
  if (typeof v === "boolean") return { value: v, exact: true };
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return { value: v.trim().toLowerCase() === "true", exact: true };
  return fail("expected true or false");
}

function coerceDate(lit: LiteralExpression, fail: (detail: string) => never): Coerced {
  const v = lit.value;
  if (typeof v === "string") {
    const days = parseDateText(v);
    if (days !== undefined) return { value: days, exact: true };
    const ts = parseTimestampText(v);
    if (!ts) return fail("expected 'YYYY-MM-DD'");
    const { days: d, exact } = microsToDays(timestampToMicros(ts));
    return { value: d, exact: exact && ts.exact };
  }
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) return fail("invalid Date");
    return { value: Math.floor(ms / 86_400_000), exact: ms % 86_400_000 === 0 };
  }
  return fail("expected 'YYYY-MM-DD' or a Date");
}

function coerceTimestamp(lit: LiteralExpression, fail: (detail: string) => never): Coerced {
  const v = lit.value;
  if (typeof v === "bigint") return { value: v, exact: true };
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) return fail("invalid Date");
    return { value: BigInt(ms) * 1000n, exact: true };
  }
  if (typeof v === "string") {
    const ts = parseTimestampText(v);
    if (!ts) return fail("expected ISO-8601 text such as '2024-01-01T10:00:00Z' or '2024-01-01 10:00:00'");
    return { value: timestampToMicros(ts), exact: ts.exact };
  }
  if (typeof v === "number") return fail("a plain number is ambiguous: pass a Date, ISO text, or bigint microseconds");
  return fail("expected a Date, ISO-8601 text or bigint microseconds");
}
