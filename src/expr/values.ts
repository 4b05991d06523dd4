/**
 * Typed values of Delta primitive types as predicates, statistics and partition values hold them,
 * and the exact orderings between them (Spark's: strings by code point, NaN above every number,
 * decimals exactly).
 */
import { floorDiv } from "../util/bigint.js";
import { InternalError } from "../errors/argument-errors.js";
import type { PrimitiveTypeName } from "../schema/types.js";
import { compareCodePoints } from "../util/strings.js";

/** A decimal number `unscaled × 10^-scale`, kept exact. */
export interface DecimalValue {
  unscaled: bigint;
  scale: number;
}

/**
 * A typed, non-null value of a Delta primitive type:
 * `byte`/`short`/`integer` → number; `long` → bigint; `float`/`double` → number (NaN allowed);
 * `decimal(p,s)` → {@link DecimalValue}; `string` → string; `binary` → Uint8Array;
 * `boolean` → boolean; `date` → number (days since 1970-01-01); `timestamp`/`timestamp_ntz` →
 * bigint (microseconds since the epoch; for `timestamp_ntz` of the wall clock read as UTC).
 */
export type Scalar = boolean | number | bigint | string | Uint8Array | DecimalValue;

/** True for a {@link DecimalValue}. */
export function isDecimalValue(v: unknown): v is DecimalValue {
  return typeof v === "object" && v !== null && !(v instanceof Uint8Array) && typeof (v as DecimalValue).unscaled === "bigint";
}

const POW10: bigint[] = [1n];
/** 10^n as a bigint (cached). */
export function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[n]!;
}

/**
 * Parses decimal text (`-12.50`, `1e3`, `.5`) into an exact value; the scale is the number of
 * fractional digits written (never negative). Undefined when the text is not a decimal number.
 */
export function parseDecimalText(text: string): DecimalValue | undefined {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const int = m[2] ?? "";
  const frac = m[3] ?? "";
  if (int === "" && frac === "") return undefined;
  let unscaled = BigInt(int + frac || "0");
  if (m[1] === "-") unscaled = -unscaled;
  let scale = frac.length - Number(m[4] ?? 0);
  if (scale < 0) {
    unscaled *= pow10(-scale);
    scale = 0;
  }
  return { unscaled, scale };
}

/**
 * The decimal `value` at `scale`, rounded toward −∞ when it has more fractional digits;
 * `exact` tells whether no rounding happened.
 */
export function rescaleDecimal(value: DecimalValue, scale: number): { unscaled: bigint; exact: boolean } {
  if (value.scale <= scale) return { unscaled: value.unscaled * pow10(scale - value.scale), exact: true };
  const divisor = pow10(value.scale - scale);
  return { unscaled: floorDiv(value.unscaled, divisor), exact: value.unscaled % divisor === 0n };
}

/** Compares two decimals exactly, whatever their scales. */
export function compareDecimals(a: DecimalValue, b: DecimalValue): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.unscaled * pow10(scale - a.scale);
  const y = b.unscaled * pow10(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Renders a decimal as plain text (`-1.50`). */
export function formatDecimal(v: DecimalValue): string {
  const negative = v.unscaled < 0n;
  const digits = (negative ? -v.unscaled : v.unscaled).toString().padStart(v.scale + 1, "0");
  const text = v.scale === 0 ? digits : `${digits.slice(0, digits.length - v.scale)}.${digits.slice(digits.length - v.scale)}`;
  return negative ? `-${text}` : text;
}

/** Compares two doubles the way Spark orders them: NaN equals NaN and is above everything; −0 = 0. */
export function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

/** Compares byte arrays lexicographically as unsigned bytes (UTF-8 bytes order = code point order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Compares strings by Unicode code point (Spark's `UTF8String` order); see {@link compareCodePoints}. */
export const compareStrings = compareCodePoints;

const encoder = new TextEncoder();
/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date of a day number: inverse of {@link daysFromCivil}. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Checks a calendar date (month 1–12, day within the month). */
export function isValidDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const c = civilFromDays(daysFromCivil(year, month, day));
  return c.year === year && c.month === month && c.day === day;
}

/** Parses `YYYY-MM-DD` (year may be signed or longer) into days since the epoch; undefined if invalid. */
export function parseDateText(text: string): number | undefined {
  const m = /^([+-]?\d{4,})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isValidDate(year, month, day) ? daysFromCivil(year, month, day) : undefined;
}

/** Renders days since the epoch as `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const y = year < 0 ? `-${String(-year).padStart(4, "0")}` : String(year).padStart(4, "0");
  return `${y}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** Types compared as JS numbers (without NaN). */
const NUMBER_TYPES = new Set(["byte", "short", "integer", "date"]);

/**
 * Compares two non-null values of the same Delta primitive type in Spark's order.
 * Mixed representations are tolerated (number vs bigint compare numerically).
 */
export function compareScalars(a: Scalar, b: Scalar, type: PrimitiveTypeName): number {
  if (type === "float" || type === "double") return compareDoubles(Number(a), Number(b));
  if (NUMBER_TYPES.has(type) || type === "long" || type === "timestamp" || type === "timestamp_ntz") {
    if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
    return compareMixed(a as number | bigint, b as number | bigint);
  }
  if (type === "string") return compareStrings(a as string, b as string);
  if (type === "binary") return compareBytes(a as Uint8Array, b as Uint8Array);
  if (type === "boolean") return a === b ? 0 : a ? 1 : -1;
  const x = asDecimal(a);
  const y = asDecimal(b);
  if (x && y) return compareDecimals(x, y);
  throw new InternalError(`values of type ${type} are not comparable`);
}

/** A decimal, integer or finite number as an exact decimal (numbers by their shortest text). */
function asDecimal(v: Scalar): DecimalValue | undefined {
  if (isDecimalValue(v)) return v;
  if (typeof v === "bigint") return { unscaled: v, scale: 0 };
  if (typeof v === "number" && Number.isFinite(v)) return parseDecimalText(String(v));
  return undefined;
}

function compareMixed(a: number | bigint, b: number | bigint): number {
  const infA = typeof a === "number" && !Number.isFinite(a) ? Math.sign(a) : 0;
  const infB = typeof b === "number" && !Number.isFinite(b) ? Math.sign(b) : 0;
  if (infA !== 0 || infB !== 0) return infA === infB ? 0 : infA > infB ? 1 : -1;
  // Exact for integers; a fractional number compares by its floor plus a tie-breaker.
  const toBig = (v: number | bigint): [bigint, number] =>
    typeof v === "bigint" ? [v, 0] : [BigInt(Math.floor(v)), v === Math.floor(v) ? 0 : 0.5];
  const [x, fx] = toBig(a);
  const [y, fy] = toBig(b);
  if (x !== y) return x < y ? -1 : 1;
  return fx === fy ? 0 : fx < fy ? -1 : 1;
}
