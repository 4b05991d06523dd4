/**
 * Spark's typing rules for value expressions: which numeric type an arithmetic operation yields
 * (integer widening, `/` on integers yields double, decimal precision and scale), the common type
 * of CASE branches, COALESCE arguments and compared values, and which casts exist.
 */
import { decimalParts } from "../schema/types.js";
import type { ValueType } from "./bound.js";
import type { ArithmeticOp } from "./expression.js";

const INTEGRAL_RANK: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
/** Decimal precision that holds every value of an integral type (Spark's). */
const INTEGRAL_DIGITS: Record<string, number> = { byte: 3, short: 5, integer: 10, long: 20 };

/** Largest decimal precision. */
export const MAX_PRECISION = 38;

/** True for byte, short, integer, long. */
export function isIntegral(t: ValueType): boolean {
  return t in INTEGRAL_RANK;
}

/** True for float and double. */
export function isFloating(t: ValueType): boolean {
  return t === "float" || t === "double";
}

/** True for decimal(p,s). */
export function isDecimal(t: ValueType): boolean {
  return t !== "null" && decimalParts(t) !== undefined;
}

/** True for every numeric type. */
export function isNumeric(t: ValueType): boolean {
  return isIntegral(t) || isFloating(t) || isDecimal(t);
}

/** True for types whose values evaluation holds as JS numbers. */
export function isNumberKind(t: ValueType): boolean {
  return t === "byte" || t === "short" || t === "integer" || t === "float" || t === "double" || t === "date";
}

/** `decimal(p,s)` as a type name. */
export function decimalType(precision: number, scale: number): `decimal(${number},${number})` {
  return `decimal(${precision},${scale})`;
}

/** Precision and scale of a decimal type, or of the decimal that holds an integral type. */
export function asDecimalParts(t: ValueType): { precision: number; scale: number } | undefined {
  if (isIntegral(t)) return { precision: INTEGRAL_DIGITS[t]!, scale: 0 };
  return t === "null" ? undefined : decimalParts(t);
}

/**
 * A result decimal type bounded to 38 digits the way Spark does it (allowing precision loss):
 * integer digits are kept and the scale shrinks, but not below min(scale, 6).
 */
export function boundedDecimal(precision: number, scale: number): `decimal(${number},${number})` {
  if (precision <= MAX_PRECISION) return decimalType(precision, scale);
  const intDigits = precision - scale;
  const minScale = Math.min(scale, 6);
  return decimalType(MAX_PRECISION, Math.max(MAX_PRECISION - intDigits, minScale));
}

function decimalResult(op: ArithmeticOp, a: { precision: number; scale: number }, b: { precision: number; scale: number }): ValueType {
  const [p1, s1, p2, s2] = [a.precision, a.scale, b.precision, b.scale];
  switch (op) {
    case "+":
    case "-": {
      const scale = Math.max(s1, s2);
      return boundedDecimal(Math.max(p1 - s1, p2 - s2) + scale + 1, scale);
    }
    case "*":
      return boundedDecimal(p1 + p2 + 1, s1 + s2);
    case "/": {
      const scale = Math.max(6, s1 + p2 + 1);
      return boundedDecimal(p1 - s1 + s2 + scale, scale);
    }
    case "%": {
      const scale = Math.max(s1, s2);
      return boundedDecimal(Math.min(p1 - s1, p2 - s2) + scale, scale);
    }
  }
}

/**
 * The result type of `a op b`, and the type each operand is cast to first; undefined when the
 * operation does not apply to those types. Integers keep the wider type (byte + byte is byte),
 * except `/`, which yields double for integers and floats (decimals divide as decimals);
 * a float or double operand makes the result floating; decimals follow Spark's precision rules.
 */
export function arithmeticTypes(
  op: ArithmeticOp,
  a: ValueType,
  b: ValueType,
): { result: ValueType; left: ValueType; right: ValueType } | undefined {
  if (a === "null" && b === "null") return { result: "null", left: "null", right: "null" };
  if (a === "null") a = b === "null" ? a : op === "/" && (isIntegral(b) || isFloating(b)) ? "double" : b;
  if (b === "null") b = op === "/" && (isIntegral(a) || isFloating(a)) ? "double" : a;
  if (!isNumeric(a) || !isNumeric(b)) return undefined;
  const same = (t: ValueType) => ({ result: t, left: t, right: t });
  if (a === "double" || b === "double") return same("double");
  if (isFloating(a) || isFloating(b)) {
    if (isDecimal(a) || isDecimal(b) || op === "/") return same("double");
    return same("float");
  }
  if (isIntegral(a) && isIntegral(b)) {
    if (op === "/") return same("double");
    return same(INTEGRAL_RANK[a]! >= INTEGRAL_RANK[b]! ? a : b);
  }
  const da = asDecimalParts(a)!;
  const db = asDecimalParts(b)!;
  return { result: decimalResult(op, da, db), left: decimalType(da.precision, da.scale), right: decimalType(db.precision, db.scale) };
}

/**
 * The type two values meet at for comparison, CASE, COALESCE or IN: the wider numeric type
 * (a decimal wide enough for both; float or double when one is floating), timestamp for date and
 * timestamp, the type itself when equal; undefined when there is none (string vs number).
 */
export function commonType(a: ValueType, b: ValueType): ValueType | undefined {
  if (a === b) return a;
  if (a === "null") return b;
  if (b === "null") return a;
  if (isNumeric(a) && isNumeric(b)) {
    if (a === "double" || b === "double") return "double";
    if (isFloating(a) || isFloating(b)) return isDecimal(a) || isDecimal(b) ? "double" : "float";
    if (isIntegral(a) && isIntegral(b)) return INTEGRAL_RANK[a]! >= INTEGRAL_RANK[b]! ? a : b;
    const da = asDecimalParts(a)!;
    const db = asDecimalParts(b)!;
    const scale = Math.max(da.scale, db.scale);
    const intDigits = Math.max(da.precision - da.scale, db.precision - db.scale);
    return decimalType(Math.min(MAX_PRECISION, intDigits + scale), Math.min(scale, MAX_PRECISION - Math.min(intDigits, MAX_PRECISION)));
  }
  const times = new Set<ValueType>(["date", "timestamp", "timestamp_ntz"]);
  if (times.has(a) && times.has(b))
    return a === "timestamp_ntz" && b === "timestamp_ntz" ? a : a === "date" && b === "date" ? a : "timestamp";
  return undefined;
}

/**
 * True when `cast(x AS to)` exists for `x` of type `from` (Spark's casts between primitive types,
 * less the ones between numbers and times): numbers, booleans, strings among each other; strings
 * to and from dates and timestamps; dates and timestamps among each other; binary to and from
 * string.
 */
export function canCast(from: ValueType, to: ValueType): boolean {
  if (from === to || from === "null") return true;
  if (to === "null") return false;
  if (to === "string") return true;
  const numberLike = (t: ValueType) => isNumeric(t) || t === "boolean";
  if (numberLike(from) && numberLike(to)) return true;
  if (from === "string") return true;
  const times = new Set<ValueType>(["date", "timestamp", "timestamp_ntz"]);
  return times.has(from) && times.has(to);
}

/**
 * True when a value of type `from` may be stored in a column of type `to` without an explicit
 * cast (ANSI store assignment): numbers into any numeric column (range-checked when evaluated),
 * dates into timestamps, between the two timestamp types, anything into a string column, NULL
 * into anything.
 */
export function canAssign(from: ValueType, to: ValueType): boolean {
  if (from === to || from === "null" || to === "string") return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  const times = new Set<ValueType>(["date", "timestamp", "timestamp_ntz"]);
  return times.has(from) && times.has(to) && to !== "date";
}
